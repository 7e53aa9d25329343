// One runner → its instances. Runner-level values (env files, restart,
// stop) are resolved once; everything that may mention an instance variable
// (PORT, MAR_*) is resolved per instance, with the child's own environment
// as the interpolation scope — so what the config says and what the child
// sees cannot differ.
import {isAbsolute, resolve} from 'node:path'
import {joinHostPath, remoteCwd} from '../remote/remote-path.js'
import {DEFAULTS} from './defaults.js'
import {loadEnvFiles} from './env-files.js'
import {LIMITS} from './limits.js'
import {checkInstance} from './plan-limits.js'
import {resolveHealth, resolveReady} from './plan-probe.js'
import {issueAt, resolveCommand, resolveText, type PlanContext} from './resolve.js'
import type {RunnerEntry, RunnerSpec} from './model.js'
import type {HostPlan, InstancePlan, RestartSpec, RunnerPlan, StopSpec, WatchSpec} from './types.js'
import type {ConfigPath} from './source.js'

export interface RunnerContext {
  stack: string
  /** Passed environment + top-level env_file + top-level env. */
  topVars: Record<string, string>
  /** The keys of topVars the stack declares (top-level env_file and env), not the shell's. */
  topKeys?: readonly string[]
  /** The stack's hosts by name: where an instance runs decides its cwd. */
  hosts?: ReadonlyMap<string, HostPlan>
}

/** The raw value at path, as written in the file. */
function valueAt(ctx: PlanContext, path: ConfigPath): unknown {
  let value: unknown = ctx.source.data
  for (const part of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
  return value
}

export function isListAt(ctx: PlanContext, path: ConfigPath): boolean {
  return Array.isArray(valueAt(ctx, path))
}

/** Plan a runner whose instances are placed on `hosts` (hosts[i] for instance i + 1). */
export function planRunner(ctx: PlanContext, entry: RunnerEntry, hosts: readonly string[], rc: RunnerContext): RunnerPlan | undefined {
  const runner = entry.spec
  if (!runner) return undefined
  const cmdPath = entry.cmdPath
  const path = entry.path
  const oneshot = runner.oneshot ?? false
  const fileVars = loadEnvFiles(ctx, runner.env_file ?? [], [...path, 'env_file'], rc.topVars, {list: isListAt(ctx, [...path, 'env_file'])})
  const restart = resolveRestart(ctx, runner, path, oneshot)
  const scale = runner.scale ?? DEFAULTS.scale
  if (runner.port !== undefined && runner.port + scale - 1 > 65_535) {
    issueAt(ctx, [...path, 'port'], 'invalid-value', `ports ${runner.port}…${runner.port + scale - 1} of ${scale} instances go past 65535`)
  }

  const instances: InstancePlan[] = []
  // With scale 0 there is no instance, but its values are still checked once;
  // past a stack-wide bound, only once too (the plan is refused anyway).
  const count = withinBudget(ctx, entry, runner, scale, instanceBytes(runner, {...rc.topVars, ...fileVars})) ? Math.max(scale, 1) : 1
  for (let index = 1; index <= count; index++) {
    const host = hosts[index - 1] ?? DEFAULTS.localHost
    const instance = planInstance(ctx, entry, runner, cmdPath, {index, host, fileVars, restart, oneshot, rc})
    // Instances differ only in PORT and MAR_*: the first and the last stand for all.
    if (index === 1 || index === count) checkInstance(ctx, entry, runner, instance)
    if (index <= scale) instances.push(instance)
  }
  const plan: RunnerPlan = {name: entry.name, group: entry.group, oneshot, scale, instances}
  if (runner.hosts !== undefined) plan.hosts = [...runner.hosts]
  if (runner.image !== undefined) plan.image = resolveText(ctx, runner.image, [...path, 'image'], {...rc.topVars, ...fileVars})
  if (rc.topKeys) plan.declaredEnv = [...new Set([...rc.topKeys, ...Object.keys(fileVars), ...Object.keys(runner.env ?? {})])].sort()
  return plan
}

/** About what one instance weighs in the plan: its runner's values and its environment (32 bytes a variable for the rest). */
function instanceBytes(runner: RunnerSpec, vars: Record<string, string>): number {
  let bytes = JSON.stringify(runner).length
  for (const [key, value] of Object.entries(vars)) bytes += key.length + value.length + 32
  return bytes
}

/**
 * Whether `scale` more instances of `size` bytes each fit the stack's
 * bounds: each instance holds its own copy of its values, so 10 000
 * instances of 10 000 variables would be a plan of 10⁸ strings.
 */
function withinBudget(ctx: PlanContext, entry: RunnerEntry, runner: RunnerSpec, scale: number, size: number): boolean {
  const planned = (ctx.planned ??= {instances: 0, bytes: 0})
  planned.instances += scale
  planned.bytes += scale * size
  const at = runner.scale === undefined ? entry.path : [...entry.path, 'scale']
  // Reported at the runner that crosses a bound; the ones after are planned once, quietly.
  if (planned.instances > LIMITS.instances) {
    if (planned.instances - scale <= LIMITS.instances) issueAt(ctx, at, 'too-large', `the stack has more than ${LIMITS.instances} instances`, 'lower scale')
    return false
  }
  if (planned.bytes > LIMITS.planBytes) {
    if (planned.bytes - scale * size <= LIMITS.planBytes) issueAt(ctx, at, 'too-large', `the stack's plan would take more than ${LIMITS.planBytes / (1024 * 1024)} MiB (${scale} instances × ${Math.ceil(size / 1024)} KiB here)`, 'lower scale, or shorten the environment and commands')
    return false
  }
  return true
}

interface InstanceInputs {
  index: number
  host: string
  fileVars: Record<string, string>
  restart: RestartSpec
  oneshot: boolean
  rc: RunnerContext
}

function planInstance(ctx: PlanContext, entry: RunnerEntry, runner: RunnerSpec, cmdPath: ConfigPath, inputs: InstanceInputs): InstancePlan {
  const {index, host, fileVars, rc} = inputs
  const path = entry.path
  const port = runner.port === undefined ? undefined : runner.port + index - 1
  // An invalid `port` is already reported; PORT still counts as defined so it is not reported again.
  const placeholderPort: Record<string, string> = port === undefined && valueAt(ctx, [...path, 'port']) !== undefined ? {PORT: '0'} : {}
  // Highest precedence: these describe the instance itself and cannot be overridden.
  const instanceVars: Record<string, string> = {
    ...(port === undefined ? placeholderPort : {PORT: String(port)}),
    MAR_STACK: rc.stack,
    MAR_RUNNER: entry.name,
    MAR_INSTANCE: String(index),
    MAR_HOST: host,
  }
  const envScope = {...rc.topVars, ...fileVars, ...instanceVars}
  const ownEnv: Record<string, string> = {}
  for (const [key, value] of Object.entries(runner.env ?? {})) ownEnv[key] = resolveText(ctx, value, [...path, 'env', key], envScope)
  const env = {...rc.topVars, ...fileVars, ...ownEnv, ...instanceVars}

  // On this machine under the config's directory (or the host's dir); on a remote host under its dir or home.
  const onHost = rc.hosts?.get(host)
  const cwdText = runner.cwd === undefined ? undefined : resolveText(ctx, runner.cwd, [...path, 'cwd'], env)
  const remote = Boolean(onHost?.ssh)
  const base = onHost?.dir ?? ctx.dir
  const cwd = remote ? remoteCwd(onHost!.dir, cwdText) : cwdText === undefined ? base : resolve(base, cwdText)
  const plan: InstancePlan = {
    name: `${entry.name}.${index}`,
    runner: entry.name,
    group: entry.group,
    index,
    host,
    // A missing cmd is already an error; the placeholder lets the other keys be checked.
    command: runner.cmd === undefined ? {shell: ''} : resolveCommand(ctx, runner.cmd, cmdPath, env),
    cwd,
    env,
    restart: inputs.restart,
    stop: resolveStop(ctx, runner, path, env),
    oneshot: inputs.oneshot,
    log: {maxSize: runner.log?.max_size ?? DEFAULTS.log.maxSize, keep: runner.log?.keep ?? DEFAULTS.log.keep},
  }
  if (port !== undefined) plan.port = port
  const ready = resolveReady(ctx, runner.ready, [...path, 'ready'], env)
  if (ready) plan.ready = ready
  const health = resolveHealth(ctx, runner.health, [...path, 'health'], env)
  if (health) plan.health = health
  if (runner.memory_limit !== undefined) plan.memoryLimit = runner.memory_limit
  if (runner.resources) plan.resources = {...runner.resources}
  if (runner.watch) plan.watch = resolveWatch(ctx, runner.watch, [...path, 'watch'], env, cwd, remote)
  return plan
}

function resolveRestart(ctx: PlanContext, runner: RunnerSpec, path: ConfigPath, oneshot: boolean): RestartSpec {
  const input = runner.restart
  const fallback = oneshot ? DEFAULTS.oneshotRestartPolicy : DEFAULTS.restartPolicy
  if (input === undefined || typeof input === 'string') {
    const policy = input ?? fallback
    warnOneshotAlways(ctx, path, oneshot, policy)
    return {policy, backoff: {...DEFAULTS.backoff}}
  }
  const backoff = {
    initialMs: input.backoff?.initial ?? DEFAULTS.backoff.initialMs,
    maxMs: input.backoff?.max ?? DEFAULTS.backoff.maxMs,
    factor: input.backoff?.factor ?? DEFAULTS.backoff.factor,
  }
  if (backoff.initialMs > backoff.maxMs) {
    issueAt(ctx, [...path, 'restart', 'backoff'], 'invalid-value', `backoff initial (${backoff.initialMs}ms) is longer than max (${backoff.maxMs}ms)`)
  }
  const policy = input.policy ?? fallback
  warnOneshotAlways(ctx, path, oneshot, policy)
  return input.limit ? {policy, backoff, limit: input.limit} : {policy, backoff}
}

function warnOneshotAlways(ctx: PlanContext, path: ConfigPath, oneshot: boolean, policy: string): void {
  if (oneshot && policy === 'always') ctx.warnings.push(`runner "${String(path.at(-1))}" is a oneshot with restart always: it runs again after every success; on-failure is usual`)
}

function resolveStop(ctx: PlanContext, runner: RunnerSpec, path: ConfigPath, env: Record<string, string>): StopSpec {
  const stop: StopSpec = {signal: runner.stop?.signal ?? DEFAULTS.stop.signal, timeoutMs: runner.stop?.timeout ?? DEFAULTS.stop.timeoutMs}
  if (runner.stop?.cmd !== undefined) stop.command = resolveCommand(ctx, runner.stop.cmd, [...path, 'stop', 'cmd'], env)
  return stop
}

function resolveWatch(ctx: PlanContext, watch: NonNullable<RunnerSpec['watch']>, path: ConfigPath, env: Record<string, string>, cwd: string, remote: boolean): WatchSpec {
  const spec = Array.isArray(watch) ? {paths: watch} : watch
  const pathsAt: ConfigPath = Array.isArray(watch) ? path : [...path, 'paths']
  const list = Array.isArray(watch) || isListAt(ctx, pathsAt)
  const paths = spec.paths.map((p, i) => {
    const text = resolveText(ctx, p, list ? [...pathsAt, i] : pathsAt, env)
    if (remote) return joinHostPath(cwd, text)
    return isAbsolute(text) ? text : resolve(cwd, text)
  })
  const ignore = 'ignore' in spec && spec.ignore ? spec.ignore.map((p, i) => resolveText(ctx, p, [...path, 'ignore', i], env)) : []
  const debounceMs = 'debounce' in spec && spec.debounce !== undefined ? spec.debounce : DEFAULTS.watch.debounceMs
  return {paths, ignore: [...DEFAULTS.watch.ignore, ...ignore], debounceMs}
}
