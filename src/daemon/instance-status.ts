// An instance's status (README, "Instance states"), folded from supervisor
// events by a pure reducer: the one fold of events, used by the daemon and
// by foreground mode (which is the same runtime bound to a terminal).
import type {InstanceInfo, ProbeInfo} from '../api/protocol.js'
import type {ExitInfo} from '../supervisor/errors.js'
import type {ReasonCode} from '../supervisor/reasons.js'
import type {Health, InstanceEvent, InstanceState} from '../supervisor/runner.js'
import type {ProbeCheck} from '../supervisor/spec.js'
import {plainText} from '../util/terminal-text.js'

export interface ProbeStatus {
  kind: ProbeCheck['kind']
  passed: boolean | null
  at: number | null
  message: string | null
}

/** One past exit (ms since the epoch), for `mar describe`. */
export interface PastExit {
  at: number
  code: number | null
  signal: string | null
  state: InstanceState | null
  reason: string | null
  reasonCode: ReasonCode | null
}

/** How many past exits an instance keeps: a crash loop must not grow the daemon. */
export const EXITS_KEPT = 20

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
  reasonCode: ReasonCode | null
  /** In backoff: when the restart is due (ms since the epoch). */
  nextRestartAt: number | null
  /** Last STATUS= a notify program sent. */
  notifyStatus: string | null
  oneshot: boolean
  ready: ProbeStatus | null
  liveness: ProbeStatus | null
  /** The last EXITS_KEPT exits, oldest first (not part of InstanceInfo: watchers do not need them). */
  exits: PastExit[]
}

/** What an instance's first status needs to know of its plan. */
export interface InstanceIdentity {
  name: string
  runner: string
  group: string
  host: string
  oneshot: boolean
  ready?: {check: ProbeCheck}
  health?: {check: ProbeCheck}
}

const untried = (probe: {check: ProbeCheck} | undefined): ProbeStatus | null => (probe ? {kind: probe.check.kind, passed: null, at: null, message: null} : null)

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
    reasonCode: null,
    nextRestartAt: null,
    notifyStatus: null,
    oneshot: instance.oneshot,
    ready: untried(instance.ready),
    liveness: untried(instance.health),
    exits: [],
  }
}

/** The same instance under a changed plan (reload): its history stays, what the plan says is new. */
export function replanStatus(status: InstanceStatus, instance: InstanceIdentity): InstanceStatus {
  const fresh = initialStatus(instance)
  return {...status, host: fresh.host, oneshot: fresh.oneshot, ready: fresh.ready, liveness: fresh.liveness, health: status.health === 'none' ? fresh.health : status.health}
}

export function applyEvent(status: InstanceStatus, event: InstanceEvent): InstanceStatus {
  // Waiting for a dependency describes an instance that has not started; one that is stopped stays as it is.
  if (event.why?.reasonCode === 'dependency-waiting' && event.state === undefined && status.state !== 'pending') return status
  const next = {...status}
  if (event.state !== undefined) {
    next.state = event.state
    if (event.state !== 'backoff') next.nextRestartAt = null
  }
  if (event.pid !== undefined) next.pid = event.pid
  if (event.startedAt !== undefined) next.startedAt = event.startedAt
  if (event.exit !== undefined) {
    next.lastExit = event.exit
    const past: PastExit = {at: event.at, code: event.exit.code, signal: event.exit.signal, state: event.state ?? null, reason: prose(event.why?.reason), reasonCode: event.why?.reasonCode ?? null}
    next.exits = [...status.exits.slice(-(EXITS_KEPT - 1)), past]
  }
  if (event.why) {
    next.reason = prose(event.why.reason)
    next.reasonCode = event.why.reasonCode
  }
  if (event.nextRestartAt !== undefined) next.nextRestartAt = event.nextRestartAt
  if (event.health !== undefined) next.health = event.health
  if (event.status !== undefined) next.notifyStatus = prose(event.status)
  if (event.probe) {
    const key = event.probe.which === 'ready' ? 'ready' : 'liveness'
    const probe = next[key]
    if (probe) next[key] = {...probe, passed: event.probe.passed, at: event.at, message: prose(event.probe.message)}
  }
  if (event.restarted) next.restarts += 1
  if (event.state === 'running' || event.state === 'starting') {
    if (status.health !== 'none') next.health = 'unknown'
  }
  if (event.pid === null) next.startedAt = null
  return next
}

/**
 * Reasons, STATUS= and probe messages are prose every client shows to a
 * person, and often hold a program's own words (an exec probe's last line,
 * what it sent over NOTIFY_SOCKET, a remote agent's reason): escape sequences
 * in them would reach the terminal of `mar status`, `mar up` and `mar ui`.
 * Kept here, where every event of the daemon, of `up -f` and of remote hosts
 * passes, as visible escapes; reasonCode is what programs switch on.
 */
function prose(text: string | null | undefined): string | null {
  return text === undefined || text === null ? null : plainText(text)
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

const probeInfo = (probe: ProbeStatus | null): ProbeInfo | null => (probe ? {kind: probe.kind, passed: probe.passed, at: iso(probe.at), message: probe.message} : null)

/** The protocol's view of a status; CPU and memory from the usage sampler while it runs. */
export function toInstanceInfo(status: InstanceStatus, usage?: {cpu: number; memory: number}): InstanceInfo {
  const running = status.pid !== null
  return {
    name: status.name,
    runner: status.runner,
    group: status.group,
    host: status.host,
    state: status.state,
    health: status.health === 'none' ? null : status.health,
    pid: status.pid,
    startedAt: iso(status.startedAt),
    restarts: status.restarts,
    lastExit: status.lastExit ? {code: status.lastExit.code, signal: status.lastExit.signal} : null,
    cpu: running && usage ? Math.round(usage.cpu * 10) / 10 : null,
    memory: running && usage ? usage.memory : null,
    reason: status.reason,
    reasonCode: status.reasonCode,
    nextRestartAt: iso(status.nextRestartAt),
    oneshot: status.oneshot,
    ready: probeInfo(status.ready),
    liveness: probeInfo(status.liveness),
    notifyStatus: status.notifyStatus,
  }
}
