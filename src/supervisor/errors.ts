// Failures of runners, as data. Tests and the daemon match on `code`.
import {MarError} from '../util/errors.js'

export const SupervisorCode = {
  exited: 'runner-exited',
  spawnFailed: 'spawn-failed',
  readyTimeout: 'ready-timeout',
  exitedBeforeReady: 'exited-before-ready',
  unhealthy: 'unhealthy',
  memoryLimit: 'memory-limit',
  restartLimit: 'restart-limit',
  groupFailed: 'group-failed',
  dependencyFailed: 'dependency-failed',
} as const

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
