// The core contract, after ifrit: everything that runs is a Runner — a
// function that sets up, calls ready() when it can serve, does its job, and
// returns when asked to stop (ctx.signal). A spawned program is a Runner; a
// group of Runners is a Runner; restart policies and probes are functions
// from Runner to Runner. `start` runs one in the background and hands back a
// Process handle (await its `ready` to wait until it can serve).
import {setMaxListeners} from 'node:events'
import {realClock, type Clock, STOPPING} from './clock.js'
import {MarError} from '../util/errors.js'
import {SupervisorCode, type ExitInfo} from './errors.js'
import type {Reason} from './reasons.js'

export type InstanceState =
  | 'pending'
  | 'starting'
  | 'running'
  | 'ready'
  | 'stopping'
  | 'stopped'
  | 'exited'
  | 'crashed'
  | 'backoff'
  | 'unhealthy'
  | 'failed'

export type Health = 'none' | 'unknown' | 'healthy' | 'unhealthy'

/** A change to one instance; absent fields are unchanged. */
export interface InstanceEvent {
  kind: 'instance'
  name: string
  at: number
  state?: InstanceState
  pid?: number | null
  startedAt?: number | null
  exit?: ExitInfo
  /** Why it is in its state now (noReason clears it). */
  why?: Reason
  /** In backoff: when the restart is due (ms since the epoch). */
  nextRestartAt?: number
  health?: Health
  /** A probe was tried: how it went (reported when its outcome or message changes). */
  probe?: ProbeOutcome
  /** This event is a restart: the instance's restart count goes up by one. */
  restarted?: boolean
  /** Free text the program reported (systemd notify STATUS=). */
  status?: string
}

export interface ProbeOutcome {
  which: 'ready' | 'liveness'
  passed: boolean
  message?: string
}

/**
 * A group's milestones and states: `waiting` for a dependency, `blocked`
 * because one failed, then `starting`, `started` (all spawned), `completed`
 * (oneshots done), `ready`; `failed`, `stopping`, `stopped`.
 */
export type GroupPhase = 'waiting' | 'blocked' | 'starting' | 'started' | 'ready' | 'completed' | 'failed' | 'stopping' | 'stopped'

export interface GroupEvent {
  kind: 'group'
  name: string
  at: number
  phase: GroupPhase
  why?: Reason
}

export type SupervisorEvent = InstanceEvent | GroupEvent

export interface RunContext {
  readonly name: string
  /** Aborted when the runner is asked to stop gracefully. */
  readonly signal: AbortSignal
  /** Aborted when the runner must stop at once (second Ctrl-C, stop timeout). */
  readonly killSignal: AbortSignal
  readonly clock: Clock
  ready(): void
  emit(event: SupervisorEvent): void
}

export type Runner = (ctx: RunContext) => Promise<void>

export type StopMode = 'graceful' | 'kill'

export interface Process {
  readonly name: string
  /** Resolves once the runner called ready(); rejects if it ended first. */
  readonly ready: Promise<void>
  /** Resolves when the runner returned; rejects with its failure. */
  readonly exited: Promise<void>
  readonly isReady: boolean
  readonly isExited: boolean
  /** The failure it exited with, once exited. */
  readonly error: unknown
  /** Ask it to stop; settles (never rejects) once it has exited. */
  stop(mode?: StopMode): Promise<void>
}

export interface StartOptions {
  name: string
  clock?: Clock
  emit?: (event: SupervisorEvent) => void
  /** Inherit clock and events from a parent; a parent's kill reaches the child. */
  parent?: RunContext
  /** Intercept the runner's ready() (wrappers such as probes use this). */
  onReady?: () => void
}

export function start(runner: Runner, options: StartOptions): Process {
  const stopController = new AbortController()
  const killController = new AbortController()
  // A group with hundreds of members adds a listener per member: that is by design.
  setMaxListeners(0, stopController.signal, killController.signal)
  const clock = options.clock ?? options.parent?.clock ?? realClock
  const emit = options.emit ?? options.parent?.emit.bind(options.parent) ?? (() => {})
  let isReady = false
  let isExited = false
  let failure: unknown
  let resolveReady!: () => void
  let rejectReady!: (error: unknown) => void
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve
    rejectReady = reject
  })
  ready.catch(() => {})

  const parentKill = options.parent?.killSignal
  const onParentKill = () => killController.abort(STOPPING)
  if (parentKill?.aborted) killController.abort(STOPPING)
  else parentKill?.addEventListener('abort', onParentKill, {once: true})

  const ctx: RunContext = {
    name: options.name,
    signal: stopController.signal,
    killSignal: killController.signal,
    clock,
    ready() {
      if (isReady || isExited) return
      isReady = true
      options.onReady?.()
      resolveReady()
    },
    emit,
  }

  const exited = (async () => {
    try {
      await runner(ctx)
    } catch (error) {
      failure = error
      throw error
    } finally {
      isExited = true
      parentKill?.removeEventListener('abort', onParentKill)
      if (!isReady) {
        rejectReady(
          failure ??
            new MarError(SupervisorCode.exitedBeforeReady, `${options.name} ended before it was ready`),
        )
      }
    }
  })()
  exited.catch(() => {})

  return {
    name: options.name,
    ready,
    exited,
    get isReady() {
      return isReady
    },
    get isExited() {
      return isExited
    },
    get error() {
      return failure
    },
    stop(mode: StopMode = 'graceful') {
      stopController.abort(STOPPING)
      if (mode === 'kill') killController.abort(STOPPING)
      return exited.then(
        () => {},
        () => {},
      )
    },
  }
}

/** A promise that resolves when the signal aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), {once: true}))
}
