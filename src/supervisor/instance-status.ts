// An instance's status as users see it (SPEC §2), folded from supervisor
// events by a pure reducer. The foreground printer and the daemon's state
// both use it.
import type {ExitInfo} from './errors.js'
import type {Health, InstanceEvent, InstanceState} from './runner.js'

export interface InstanceStatus {
  name: string
  runner: string
  group: string
  host: string
  state: InstanceState
  health: Health
  pid: number | null
  /** ms since the epoch, while a process runs. */
  startedAt: number | null
  restarts: number
  lastExit: ExitInfo | null
  reason: string | null
  /** Last STATUS= a notify program sent. */
  status: string | null
  oneshot: boolean
  hasReadyProbe: boolean
}

/** What an instance's first status needs to know of its plan. */
export interface InstanceIdentity {
  name: string
  runner: string
  group: string
  host: string
  oneshot: boolean
  ready?: unknown
  health?: unknown
}

export function initialStatus(instance: InstanceIdentity): InstanceStatus {
  return {
    name: instance.name,
    runner: instance.runner,
    group: instance.group,
    host: instance.host,
    state: 'pending',
    health: instance.health ? 'unknown' : 'none',
    pid: null,
    startedAt: null,
    restarts: 0,
    lastExit: null,
    reason: null,
    status: null,
    oneshot: instance.oneshot,
    hasReadyProbe: instance.ready !== undefined,
  }
}

export function applyEvent(status: InstanceStatus, event: InstanceEvent): InstanceStatus {
  const next = {...status}
  if (event.state !== undefined) next.state = event.state
  if (event.pid !== undefined) next.pid = event.pid
  if (event.startedAt !== undefined) next.startedAt = event.startedAt
  if (event.exit !== undefined) next.lastExit = event.exit
  if ('reason' in event) next.reason = event.reason ?? null
  if (event.health !== undefined) next.health = event.health
  if (event.status !== undefined) next.status = event.status
  if (event.restarted) next.restarts += 1
  if (event.state === 'running' || event.state === 'starting') {
    if (status.health !== 'none') next.health = 'unknown'
  }
  if (event.pid === null) next.startedAt = null
  return next
}

/** Ready for `mar up` and for dependents: a probe passed, or — without one — it runs; a oneshot exited 0. */
export function isUp(status: InstanceStatus): boolean {
  if (status.oneshot) return status.state === 'exited'
  if (status.state === 'ready') return true
  return !status.hasReadyProbe && status.state === 'running'
}

/** Ended for good: nothing will restart it without a command. */
export function isTerminalFailure(status: InstanceStatus): boolean {
  // A crash that will be restarted moves on to `backoff`; one that stays `crashed` was left alone (restart: never).
  return status.state === 'failed' || status.state === 'crashed'
}
