// The resolved plan: what a mar.yaml means once parsed, defaulted,
// interpolated and expanded into instances. This is the only shape the rest
// of mar sees of a configuration (the supervisor bridge, the daemon, the
// validate command); the raw YAML and the zod schema stay inside src/config.
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

export interface LogSpec {
  maxSize: number
  keep: number
}

export interface InstancePlan {
  /** `web.1`: runner name, dot, 1-based index. */
  name: string
  runner: string
  group: string
  index: number
  host: string
  command: CommandSpec
  cwd: string
  /** The child's complete environment (base env, env files, env, PORT, MAR_*). */
  env: Record<string, string>
  /**
   * The keys of `env` the stack itself sets (env files, env, PORT, MAR_*), as
   * opposed to those inherited from the shell that ran mar. Reload compares
   * only these, so reloading from another terminal restarts nothing.
   */
  envKeys?: string[]
  port?: number
  ready?: ProbeSpec
  health?: HealthSpec
  restart: RestartSpec
  stop: StopSpec
  oneshot: boolean
  memoryLimit?: number
  resources?: {cpu?: number; memory?: number}
  watch?: WatchSpec
  log: LogSpec
}

export interface RunnerPlan {
  name: string
  group: string
  oneshot: boolean
  scale: number
  instances: InstancePlan[]
}

export type GroupStrategy = 'parallel' | 'ordered'
export type RestartStrategy = 'one-for-one' | 'one-for-all' | 'rest-for-one'
export type DependencyCondition = 'ready' | 'started' | 'completed'

export interface GroupPlan {
  name: string
  strategy: GroupStrategy
  restart: {strategy: RestartStrategy; limit?: RestartLimit}
  dependsOn: {group: string; condition: DependencyCondition}[]
  /** In declaration order, which is also rest-for-one's order. */
  runners: RunnerPlan[]
}

export interface HostPlan {
  name: string
  /** Absent for `local`. */
  ssh?: string
  cpus?: number
  memory?: number
  labels: string[]
}

export interface StackPlan {
  name: string
  /** Absolute path of the file this plan came from. */
  configPath: string
  /** Directory relative paths are resolved against. */
  dir: string
  format: 'mar.yaml' | 'procfile'
  groups: GroupPlan[]
  /** Group names in a start order that respects depends_on. */
  startOrder: string[]
  hosts: HostPlan[]
  /** ssh config file for remote hosts (MAR_SSH_CONFIG or `ssh_config:`). */
  sshConfig?: string
  /** Keys that are parsed but not acted on in this version, by path. */
  notActedOn: {path: string; reason: string}[]
}

/** Every instance of a plan, in declaration order (group by group, runner by runner). */
export function allInstances(plan: StackPlan): InstancePlan[] {
  return plan.groups.flatMap((g) => g.runners.flatMap((r) => r.instances))
}

/** A problem found in a config file; all of a file's problems are reported at once. */
export interface ConfigIssue {
  /** Stable: yaml-syntax, unknown-key, invalid-type, invalid-value, duplicate-name,
   *  unknown-reference, dependency-cycle, unknown-variable, missing-file, unreadable-file,
   *  not-found, invalid-env-file, placement, missing-key, procfile-syntax. */
  code: string
  file: string
  line?: number
  column?: number
  message: string
  hint?: string
}
