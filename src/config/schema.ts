// The configuration language (README, "Configuration reference") as one zod schema: the single source
// of truth for which keys exist, their types, and (in descriptions) their
// defaults. The loader validates with it, `mar init` and editors get the
// JSON Schema generated from it (json-schema-gen.ts). Objects are strict:
// an unknown key is an error, never silently ignored. Defaults are applied
// by plan.ts from DEFAULTS, not here, because some depend on other keys
// (a oneshot's restart policy) and the plan wants them in one place.
import * as z from 'zod'
import {HealthProbe, ReadyProbe} from './schema-probe.js'
import {LIMITS} from './limits.js'
import {Command, Duration, EnvMap, Limit, Name, Signal, Size, StringList} from './schema-primitives.js'

// zod compiles object schemas to JavaScript (new Function) on first use:
// worth it for a server validating many inputs, not for a CLI that parses
// one file and exits — the generated code is compiled afresh in every run,
// outside V8's code cache. Interpreted, `mar validate` is faster.
z.config({jitless: true})

export const RESTART_POLICIES = ['always', 'on-failure', 'never'] as const
export const GROUP_STRATEGIES = ['parallel', 'ordered'] as const
export const RESTART_STRATEGIES = ['one-for-one', 'one-for-all', 'rest-for-one'] as const
export const DEPENDENCY_CONDITIONS = ['ready', 'started', 'completed'] as const

const Policy = z.enum(RESTART_POLICIES)

// Only `mar export kubernetes` reads it; mar itself runs commands, not images.
const Image = z.string().min(1).max(1024)

const RunnerRestart = z.union([
  Policy,
  z.strictObject({
    policy: Policy.optional().describe('always (default), on-failure or never (default for a oneshot).'),
    backoff: z
      .strictObject({
        initial: Duration.optional().describe('Delay before the first restart. Default 100ms.'),
        max: Duration.optional().describe('Longest delay between restarts. Default 30s.'),
        factor: z.number().min(1).max(1000).optional().describe('Each delay is the previous one times this. Default 2.'),
      })
      .optional()
      .describe('Exponential backoff between restarts.'),
    limit: Limit.optional().describe('At most N restarts within DURATION (e.g. 5/60s); past it the runner is failed. Default: no limit.'),
  }),
])

const Stop = z.strictObject({
  signal: Signal.optional().describe('Signal sent to the instance\'s process group. Default SIGTERM.'),
  timeout: Duration.optional().describe('SIGKILL after this long. Default 10s.'),
  cmd: Command.optional().describe('A command run to stop the instance, before the signal.'),
})

const Watch = z.union([
  z.array(z.string()).min(1),
  z.strictObject({
    paths: StringList.describe('Files or directories to watch, relative to the runner\'s cwd.'),
    ignore: z.array(z.string()).optional().describe('Glob patterns to ignore (.git and node_modules always are).'),
    debounce: Duration.optional().describe('Wait this long after the last change before restarting. Default 250ms.'),
  }),
])

export const RunnerObject = z.strictObject({
  cmd: Command.describe('The command: a string runs through /bin/sh -c (the shell expands ${VAR}); a list is an argv and runs without a shell.'),
  cwd: z.string().min(1).optional().describe('Working directory, relative to the config file. Default: the config file\'s directory.'),
  image: Image.optional().describe('Container image of this runner, used only by `mar export kubernetes` (wins over the top-level image and --image). Interpolated.'),
  env: EnvMap.optional(),
  env_file: StringList.optional().describe('dotenv file(s), relative to the config file; later files win.'),
  scale: z.number().int().min(0).max(LIMITS.instances).optional().describe('Number of instances (name.1 … name.N). Default 1.'),
  port: z.number().int().min(1).max(65_535).optional().describe('Base port: instance N gets PORT = port + N - 1. Without it no PORT is set.'),
  hosts: StringList.optional().describe('Host names or labels to place instances on. Default [local].'),
  resources: z
    .strictObject({
      cpu: z.number().positive().max(1_000_000).optional().describe('CPUs one instance needs (e.g. 0.5).'),
      memory: Size.optional().describe('Memory one instance needs (e.g. 256M).'),
    })
    .optional()
    .describe('What one instance needs; placement never overcommits a host\'s declared cpus/memory.'),
  ready: ReadyProbe.optional(),
  health: HealthProbe.optional(),
  restart: RunnerRestart.optional().describe('always (default), on-failure, never, or {policy, backoff, limit}.'),
  stop: Stop.optional().describe('How to stop: {signal, timeout, cmd}.'),
  oneshot: z.boolean().optional().describe('A task that runs to completion; exit 0 is success. Default false.'),
  memory_limit: Size.refine((bytes) => bytes > 0, {error: 'a memory limit is 1 byte or more'}).optional().describe('Restart the instance when its process tree\'s memory stays above this.'),
  watch: Watch.optional().describe('Restart on file changes: a list of paths, or {paths, ignore, debounce}.'),
  log: z
    .strictObject({
      max_size: Size.refine((bytes) => bytes > 0, {error: 'a log file rotates at 1 byte or more'}).optional().describe('Rotate a log file at this size. Default 10M.'),
      keep: z.number().int().min(0).max(1000).optional().describe('Rotated files to keep. Default 5.'),
    })
    .optional()
    .describe('Rotation of this runner\'s log files.'),
})

/** A runner: an object, or just its command (short form): a string, or an argv list. */
export const Runner = z.union([Command, RunnerObject])

const Runners = z.record(Name, Runner).describe('Runners by name: a command string or a runner object.')

const GroupRestart = z.union([
  z.enum(RESTART_STRATEGIES),
  z.strictObject({
    strategy: z.enum(RESTART_STRATEGIES).optional().describe('one-for-one (default), one-for-all or rest-for-one.'),
    limit: Limit.optional().describe('Restart intensity of the group: at most N restarts within DURATION.'),
  }),
])

const DependsOn = z.union([
  z.array(Name),
  z.record(Name, z.enum(DEPENDENCY_CONDITIONS).describe('ready (default for a list), started or completed.')),
])

export const Group = z.strictObject({
  strategy: z.enum(GROUP_STRATEGIES).optional().describe('parallel (default): start all at once; ordered: one at a time, each waiting for ready, stopped in reverse.'),
  restart: GroupRestart.optional().describe('OTP strategy when a runner fails past its limit: one-for-one (default), one-for-all, rest-for-one; or {strategy, limit}.'),
  depends_on: DependsOn.optional().describe('Groups to wait for: a list (each waits for ready) or a map of group → ready | started | completed.'),
  runners: Runners,
})

export const Host = z.strictObject({
  ssh: z.string().min(1).optional().describe('ssh destination: user@host or a ~/.ssh/config alias. Absent: this machine.'),
  dir: z.string().min(1).optional().describe('Working directory on this host; a runner\'s relative cwd goes under it. Default: the remote user\'s home (for this machine: the config file\'s directory).'),
  cpus: z.number().positive().optional().describe('CPUs placement may use on this host.'),
  memory: Size.optional().describe('Memory placement may use on this host.'),
  labels: z.array(Name).optional().describe('Labels a runner\'s `hosts` may name instead of the host.'),
})

export const Config = z
  .strictObject({
    name: z.string().min(1).max(LIMITS.nameChars).optional().describe('Stack name. Default: the config file\'s directory name.'),
    env_file: StringList.optional().describe('dotenv file(s) for every runner, relative to the config file. Default: .env when present.'),
    env: EnvMap.optional(),
    hosts: z.record(Name, Host).optional().describe('Hosts by name; `local` (this machine) always exists.'),
    groups: z.record(Name, Group).optional().describe('Groups by name; they start in dependency order.'),
    runners: Runners.optional().describe('Short form: runners of one parallel group named `default` (instead of groups).'),
    ssh_config: z.string().min(1).optional().describe('ssh config file to use instead of ~/.ssh/config (MAR_SSH_CONFIG overrides it).'),
    image: Image.optional().describe('Container image of every runner without its own `image:`, used only by `mar export kubernetes` (--image wins over it). Interpolated.'),
  })
  .describe('mar.yaml: runners arranged in groups, and the hosts they run on.')

export type ConfigInput = z.output<typeof Config>
export type GroupInput = z.output<typeof Group>
export type RunnerObjectInput = z.output<typeof RunnerObject>
export type HostInput = z.output<typeof Host>
