// What the supervisor is asked to run: the input types of its runners and
// wrappers. The core defines them and the config part builds them (a
// mar.yaml becomes these through src/config/plan.ts), so the core never
// depends on how a configuration is written down.
// All durations are milliseconds, all sizes bytes, all paths absolute.

/** A program to run: a shell string (run by /bin/sh -c) or an argv (no shell). */
export type CommandSpec = {shell: string} | {argv: string[]}

export type ProbeCheck =
  | {kind: 'tcp'; host: string; port: number}
  | {kind: 'http'; url: string; status?: number}
  | {kind: 'exec'; command: CommandSpec}
  | {kind: 'log'; pattern: string}
  | {kind: 'notify'}
  | {kind: 'after'; delayMs: number}

export interface ProbeSpec {
  check: ProbeCheck
  /** Readiness: give up after this long. Health: one check's own timeout. */
  timeoutMs: number
  intervalMs: number
}

export interface HealthSpec extends ProbeSpec {
  /** Consecutive failures before the instance is restarted. */
  failures: number
}

export type RestartPolicy = 'always' | 'on-failure' | 'never'

export interface BackoffSpec {
  initialMs: number
  maxMs: number
  factor: number
}

/** At most `count` restarts within any `windowMs`. */
export interface RestartLimit {
  count: number
  windowMs: number
}

export interface RestartSpec {
  policy: RestartPolicy
  backoff: BackoffSpec
  limit?: RestartLimit
}

export interface StopSpec {
  signal: NodeJS.Signals
  timeoutMs: number
  command?: CommandSpec
}

export interface WatchSpec {
  paths: string[]
  ignore: string[]
  debounceMs: number
}

export type GroupStrategy = 'parallel' | 'ordered'
export type RestartStrategy = 'one-for-one' | 'one-for-all' | 'rest-for-one'
export type DependencyCondition = 'ready' | 'started' | 'completed'
