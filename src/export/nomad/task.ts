// One runner as a Nomad task: the raw_exec (or exec) driver runs its command
// as mar would (an argv as is; a string through /bin/sh -c), in its working
// directory, with the environment the stack declares. Secret-looking
// variables come from Nomad Variables through a template, never from the
// job file; so does MAR_INSTANCE, which is the allocation's index + 1.
import {posix} from 'node:path'
import {formatCommand} from '../../config/describe-plan.js'
import {formatSize} from '../../config/units.js'
import {formatDuration} from '../../util/format.js'
import {toArgv} from '../../supervisor/command.js'
import {isDefaultBackoff, onlyLocal} from '../unexported-keys.js'
import type {InstancePlan, RunnerPlan, StackPlan} from '../../config/types.js'
import {runnerEnv, type EnvOptions} from '../stack-env.js'
import type {ExportReport} from '../unexpressed.js'
import {exportWorkdir} from '../workdir.js'
import type {Hook} from './layout.js'
import {mebibytes, nanoseconds, type NomadObject} from './units.js'

export type Driver = 'raw_exec' | 'exec'

export interface TaskInput extends EnvOptions {
  plan: StackPlan
  runner: RunnerPlan
  instance: InstancePlan
  jobId: string
  hook?: Hook
  driver: Driver
  workdir?: string
}

/** Nomad's client kills a task after at most max_kill_timeout (30s unless its operator raised it). */
const MAX_KILL_TIMEOUT_MS = 30_000
/** Nomad's shortest restart interval. */
const MIN_INTERVAL_MS = 5000

function driverConfig(input: TaskInput, report: ExportReport): NomadObject {
  const {instance, runner} = input
  const workdir = exportWorkdir(input.plan, instance, input.workdir, true)
  let {file, args} = toArgv(instance.command)
  const config: NomadObject = {}
  if ('problem' in workdir) {
    report.lost(runner.name, 'cwd', workdir.problem, "the task's own directory is its working directory; pass --workdir (where the stack's directory is on the Nomad clients)")
  } else if (workdir.dir !== undefined) {
    config.work_dir = workdir.dir
    // mar finds ./bin/x from the cwd; the driver might look in the task's own directory.
    if (file.includes('/') && !posix.isAbsolute(file)) file = posix.join(workdir.dir, file)
    if (input.driver === 'exec') report.note(`${runner.name}: the exec driver runs it in a chroot: ${workdir.dir} must be in the clients' chroot_env, or come with an artifact block`)
  }
  return {command: file, ...(args.length > 0 ? {args} : {}), ...config}
}

/** What Nomad would take for `${…}` in an env value: mar's value holds it literally. */
const NOMAD_INTERPOLATION = /\$\{/

function environment(input: TaskInput, report: ExportReport): {env: NomadObject; template: string} {
  const {instance, runner} = input
  const {plain, secret} = runnerEnv(runner, instance, input)
  const env: Record<string, string> = {}
  for (const [key, value] of plain) {
    if (NOMAD_INTERPOLATION.test(value)) report.lost(runner.name, 'env', `${key} holds "\${" literally`, 'written as is: Nomad interpolates ${…} in env values')
    env[key] = value
  }
  if (instance.port !== undefined) env.PORT = String(instance.port)
  env.MAR_STACK = input.plan.name
  env.MAR_RUNNER = runner.name
  env.MAR_HOST = '${node.unique.name}'
  // Nomad numbers allocations from 0; mar's instances from 1.
  const lines = ['MAR_INSTANCE={{ env "NOMAD_ALLOC_INDEX" | parseInt | add 1 }}']
  if (secret.length > 0) {
    const path = `nomad/jobs/${input.jobId}`
    // `.KEY` fails the template (error_on_missing_key) until the variable holds the key: no task starts with a blank secret.
    const item = (key: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `index . ${JSON.stringify(key)}`)
    lines.push(`{{ with nomadVar "${path}" }}`, ...secret.map((key) => `${key}={{ ${item(key)} | toJSON }}`), '{{ end }}')
    report.note(`${runner.name}: ${secret.join(', ')} look${secret.length === 1 ? 's' : ''} secret: ${secret.length === 1 ? 'its value comes' : 'their values come'} from the Nomad variable ${path} (nomad var put ${path} ${secret.map((k) => `${k}=…`).join(' ')})`)
  }
  return {env: Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), template: `${lines.join('\n')}\n`}
}

function restartPolicy(input: TaskInput, report: ExportReport): NomadObject {
  const {instance, runner} = input
  const {policy, backoff, limit} = instance.restart
  const subject = runner.name
  const lifecycle = input.hook !== undefined
  if (policy === 'never') return {Attempts: 0, Interval: nanoseconds(Math.max(MIN_INTERVAL_MS, backoff.maxMs)), Delay: nanoseconds(backoff.initialMs), Mode: 'fail'}
  if (policy === 'on-failure' && !runner.oneshot) report.lost(subject, 'restart', 'policy on-failure', "Nomad restarts a service job's task after a clean exit too")
  if (policy === 'always' && runner.oneshot) report.lost(subject, 'restart', 'policy always on a oneshot (run again after each success)', `a ${lifecycle ? 'lifecycle' : 'batch'} task that exits 0 is done; failures are retried`)
  if (!isDefaultBackoff(backoff)) report.lost(subject, 'restart.backoff', `${formatDuration(backoff.initialMs)}…${formatDuration(backoff.maxMs)} ×${backoff.factor}`, `a fixed delay of ${formatDuration(backoff.initialMs)} (±25% jitter)`)
  if (limit) {
    const interval = Math.max(MIN_INTERVAL_MS, limit.windowMs)
    // Nomad refuses more delay than the interval holds.
    const delay = Math.min(backoff.initialMs, Math.floor(interval / Math.max(1, limit.count)))
    return {Attempts: limit.count, Interval: nanoseconds(interval), Delay: nanoseconds(delay), Mode: 'fail'}
  }
  // No limit: restart for ever, at most once per backoff max — mar's pace once its backoff has grown.
  return {Attempts: 1, Interval: nanoseconds(Math.max(MIN_INTERVAL_MS, backoff.maxMs)), Delay: nanoseconds(backoff.initialMs), Mode: 'delay'}
}

function resources(instance: InstancePlan, subject: string, report: ExportReport): NomadObject | undefined {
  const out: NomadObject = {}
  if (instance.resources?.cpu !== undefined) {
    out.CPU = Math.max(1, Math.round(instance.resources.cpu * 1000))
    report.note(`${subject}: resources.cpu ${instance.resources.cpu} is CPU ${out.CPU} MHz (Nomad counts MHz; mar takes 1 CPU as 1000 MHz)`)
  }
  if (instance.resources?.memory !== undefined) out.MemoryMB = mebibytes(instance.resources.memory)
  if (instance.memoryLimit !== undefined) {
    if (out.MemoryMB === undefined) out.MemoryMB = mebibytes(instance.memoryLimit)
    else {
      out.MemoryMaxMB = mebibytes(instance.memoryLimit)
      report.note(`${subject}: memory_limit ${formatSize(instance.memoryLimit)} is memory_max, which needs memory oversubscription enabled in Nomad's scheduler`)
    }
    report.note(`${subject}: memory_limit ${formatSize(instance.memoryLimit)} is a hard limit in Nomad: the kernel OOM-kills at it (mar restarts once RSS stays above it)`)
  }
  return Object.keys(out).length > 0 ? out : undefined
}

function constraints(runner: RunnerPlan): NomadObject[] | undefined {
  const hosts = runner.hosts
  if (!hosts || onlyLocal(hosts)) return undefined
  // A client declares the mar hosts and labels it stands for: meta { mar_hosts = "web1,web" }.
  return [{LTarget: '${meta.mar_hosts}', Operand: 'set_contains_any', RTarget: hosts.join(',')}]
}

export function buildTask(input: TaskInput, report: ExportReport): NomadObject {
  const {instance, runner} = input
  const {env, template} = environment(input, report)
  const task: NomadObject = {Name: runner.name, Driver: input.driver}
  if (input.hook) task.Lifecycle = {Hook: input.hook, Sidecar: false}
  task.Config = driverConfig(input, report)
  task.Env = env
  task.Templates = [{DestPath: 'secrets/mar.env', EmbeddedTmpl: template, Envvars: true, ChangeMode: 'restart', ErrMissingKey: true}]
  const res = resources(instance, runner.name, report)
  if (res) task.Resources = res
  task.RestartPolicy = restartPolicy(input, report)
  task.KillSignal = instance.stop.signal
  task.KillTimeout = nanoseconds(instance.stop.timeoutMs)
  if (instance.stop.timeoutMs > MAX_KILL_TIMEOUT_MS) report.note(`${runner.name}: stop timeout ${formatDuration(instance.stop.timeoutMs)} is past Nomad's default max_kill_timeout (30s): raise it in the client configuration`)
  if (instance.stop.command) report.lost(runner.name, 'stop.cmd', `run ${formatCommand(instance.stop.command)} before the signal`, 'not exported: Nomad only sends kill_signal')
  if (instance.log.keep === 0) report.lost(runner.name, 'log.keep', '0 (no rotated files kept)', 'max_files 1: Nomad keeps at least one')
  task.LogConfig = {MaxFiles: Math.max(1, instance.log.keep), MaxFileSizeMB: mebibytes(instance.log.maxSize)}
  const placement = constraints(runner)
  if (placement) task.Constraints = placement
  return task
}
