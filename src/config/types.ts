// The resolved plan: what a mar.yaml means once parsed, defaulted,
// interpolated and expanded into instances. This is the only shape the rest
// of mar sees of a configuration (the supervisor bridge, the daemon, the
// validate command); the raw YAML and the zod schema stay inside src/config.
// All durations are milliseconds, all sizes bytes, all paths absolute.
import type {CommandSpec, DependencyCondition, GroupStrategy, HealthSpec, ProbeSpec, RestartLimit, RestartSpec, RestartStrategy, StopSpec, WatchSpec} from '../supervisor/spec.js'

// The runner specs are the supervisor's own input types; the plan is built of them.
export type {BackoffSpec, CommandSpec, DependencyCondition, GroupStrategy, HealthSpec, ProbeCheck, ProbeSpec, RestartLimit, RestartPolicy, RestartSpec, RestartStrategy, StopSpec, WatchSpec} from '../supervisor/spec.js'

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
  /** `hosts:` as written (host names or labels; absent: [local]), which the exports turn into node constraints. */
  hosts?: string[]
  /** `image:` of the runner itself (interpolated); only `mar export kubernetes` reads it. */
  image?: string
  /**
   * The environment keys the stack declares for this runner — its env files
   * and env, top level and its own — whatever their values: a key set to
   * the value the shell has too is still the stack's. (PORT and MAR_* are
   * the instance's own.) The exports write only these; a plan made before
   * this field existed lacks it.
   */
  declaredEnv?: string[]
}


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
  /**
   * `dir:` as written (interpolated): the working directory on that host,
   * which a runner's relative `cwd` goes under. For a host with `ssh:` it
   * is absolute, or `~`/`~/…` (the remote user's home); see remoteCwd().
   */
  dir?: string
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
  /** The top-level `image:` (interpolated), for runners without their own; only `mar export kubernetes` reads it. */
  image?: string
  /** Keys that are parsed but not acted on in this version, by path. */
  notActedOn: {path: string; reason: string}[]
  /**
   * 'daemon': a host's share of a stack (src/remote/share.ts). Instances
   * carry only what the stack declares; the daemon's own (login) environment
   * goes under it, and a cwd of `~`, `~/…` or a relative one is under its home.
   */
  baseEnv?: 'daemon'
}

/** Whether a host of the plan is another machine (it has `ssh:`); `local` and hosts without ssh are this one. */
export function isRemoteHost(plan: Pick<StackPlan, 'hosts'>, host: string): boolean {
  return host !== 'local' && plan.hosts.some((h) => h.name === host && h.ssh !== undefined)
}

/** Every instance of a plan, in declaration order (group by group, runner by runner). */
export function allInstances(plan: StackPlan): InstancePlan[] {
  return plan.groups.flatMap((g) => g.runners.flatMap((r) => r.instances))
}

/** A problem found in a config file; all of a file's problems are reported at once. */
export interface ConfigIssue {
  /** Stable: yaml-syntax, unknown-key, invalid-type, invalid-value, duplicate-name,
   *  unknown-reference, dependency-cycle, unknown-variable, missing-file, unreadable-file,
   *  not-found, invalid-env-file, placement, missing-key, procfile-syntax, too-deep, too-large. */
  code: string
  file: string
  line?: number
  column?: number
  message: string
  hint?: string
}
