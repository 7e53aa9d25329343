// Failures of runners, as data. Tests and the daemon match on `code`.
import {MarError, type ErrorCode} from '../util/errors.js'
import {because, type Reason, type ReasonCode} from './reasons.js'

export const SupervisorCode = {
  exited: 'runner-exited',
  spawnFailed: 'spawn-failed',
  readyFailed: 'ready-failed',
  exitedBeforeReady: 'exited-before-ready',
  unhealthy: 'unhealthy',
  memoryLimit: 'memory-limit',
  restartLimit: 'restart-limit',
  groupFailed: 'group-failed',
  dependencyFailed: 'dependency-failed',
} as const satisfies Record<string, ErrorCode>

export interface ExitInfo {
  code: number | null
  signal: string | null
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `signal ${exit.signal}` : String(exit.code)
}

/** A process ended on its own with a non-zero code or a signal. */
export class ExitError extends MarError {
  readonly exit: ExitInfo
  constructor(name: string, exit: ExitInfo) {
    super(SupervisorCode.exited, `${name} exited: ${describeExit(exit)}`, {details: {exit}})
    this.exit = exit
  }
}

export interface TraceEntry {
  name: string
  error: unknown
}

/** A group gave up; `trace` lists its members' failures in the order they happened (ifrit's ErrorTrace). */
export class GroupError extends MarError {
  readonly trace: TraceEntry[]
  constructor(group: string, reason: string, trace: TraceEntry[]) {
    const first = trace[0]
    const summary = first ? `: ${first.name}: ${first.error instanceof Error ? first.error.message : String(first.error)}` : ''
    super(SupervisorCode.groupFailed, `group ${group} failed (${reason})${summary}`, {details: {trace: trace.map((t) => t.name)}})
    this.trace = trace
  }
}

/**
 * A program that could not be started, and why as a reason token.
 * `permanent`: no retry can heal it (spawn-diagnosis.ts has the rule), so
 * the instance fails at once instead of entering a backoff loop.
 */
export class SpawnFailed extends MarError {
  constructor(
    readonly reasonCode: Extract<ReasonCode, 'spawn-failed' | 'spawn-not-found' | 'spawn-not-executable' | 'port-in-use'>,
    message: string,
    readonly permanent = false,
  ) {
    super(SupervisorCode.spawnFailed, message, {details: {reasonCode, permanent}})
  }
}

/** A failure that restarting cannot cure: the reason to fail with at once, or null. */
export function permanentFailure(error: unknown): Reason | null {
  return error instanceof SpawnFailed && error.permanent ? because(error.reasonCode, error.message) : null
}

/** A failure in a few words, for a reason: "exited: 1", "ready probe failed: …". */
export function failureSummary(error: unknown): string {
  if (error === undefined) return 'exited: 0'
  if (error instanceof ExitError) return `exited: ${describeExit(error.exit)}`
  return error instanceof Error ? error.message : String(error)
}
