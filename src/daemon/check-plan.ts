// A plan sent to the daemon (`up`, `reload`) is checked whole before it
// reaches a stack: every field the runtime and the supervisor rely on, with
// its type and range, and the references between them (depends_on, start
// order, instance ↔ runner ↔ group). A client is normally mar itself, but
// anything that can open the socket can send a plan, and one that is
// accepted must be one that can always be run and stopped (a
// `stop.signal: {}` once left processes behind after `down`).
//
// Hand-written rather than a zod schema: the daemon's start-up is on the
// path of every first `mar up`, and this costs nothing to load.
import type {CommandSpec, InstancePlan, ProbeSpec, StackPlan} from '../config/types.js'
import {LIMITS} from '../config/limits.js'
import {unpackPlan, type PackedPlan} from '../config/plan-pack.js'
import {parseSignal} from '../util/signals.js'
import {MarError} from '../util/errors.js'
import {isHostPath} from '../remote/remote-path.js'

/**
 * Bounds that keep one plan's cost finite. The config loader enforces the
 * same (src/config/limits.ts), with friendlier words, so what `mar validate`
 * accepts the daemon accepts. An instance's name is its runner's and `.N`.
 */
export const PLAN_LIMITS = {
  instances: LIMITS.instances,
  nameChars: LIMITS.nameChars,
  instanceNameChars: LIMITS.nameChars + 1 + String(LIMITS.instances).length,
  envKeys: LIMITS.envKeys,
  valueChars: LIMITS.valueChars,
  ms: LIMITS.durationMs,
}

class Bad extends Error {}

type Value = unknown
const fail = (path: string, what: string): never => {
  throw new Bad(`${path} must be ${what}`)
}
const isObject = (v: Value): v is Record<string, Value> => typeof v === 'object' && v !== null && !Array.isArray(v)

function object(v: Value, path: string): Record<string, Value> {
  return isObject(v) ? v : fail(path, 'an object')
}
function text(v: Value, path: string, max = PLAN_LIMITS.valueChars): string {
  if (typeof v !== 'string' || v.length > max || v.includes('\0')) fail(path, `a string of at most ${max} characters without NUL bytes`)
  return v as string
}
function name(v: Value, path: string, max: number = PLAN_LIMITS.nameChars): string {
  const s = text(v, path, max)
  if (s === '' || /[/\\\s]/.test(s) || s === '.' || s === '..') fail(path, 'a name (no slashes, spaces or dots alone)')
  return s
}
function int(v: Value, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `a whole number from ${min} to ${max}`)
  return v as number
}
function num(v: Value, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(path, `a number from ${min} to ${max}`)
  return v as number
}
const ms = (v: Value, path: string) => num(v, path, 0, PLAN_LIMITS.ms)
function bool(v: Value, path: string): boolean {
  return typeof v === 'boolean' ? v : fail(path, 'true or false')
}
function oneOf<T extends string>(v: Value, path: string, options: readonly T[]): T {
  return options.includes(v as T) ? (v as T) : fail(path, `one of ${options.join(', ')}`)
}
function list(v: Value, path: string, max: number): Value[] {
  if (!Array.isArray(v) || v.length > max) fail(path, `a list of at most ${max} items`)
  return v as Value[]
}
const optional = <T>(v: Value, check: (v: Value) => T) => (v === undefined ? undefined : check(v))

function command(v: Value, path: string): CommandSpec {
  const c = object(v, path)
  if ('shell' in c) return {shell: text(c.shell, `${path}.shell`)}
  const argv = list(c.argv, `${path}.argv`, 10_000).map((a, i) => text(a, `${path}.argv[${i}]`))
  if (argv.length === 0 || argv[0] === '') fail(`${path}.argv`, 'a program and its arguments')
  return {argv}
}

function probe(v: Value, path: string): ProbeSpec {
  const p = object(v, path)
  const c = object(p.check, `${path}.check`)
  const kind = oneOf(c.kind, `${path}.check.kind`, ['tcp', 'http', 'exec', 'log', 'notify', 'after'] as const)
  if (kind === 'tcp') (text(c.host, `${path}.check.host`, 255), int(c.port, `${path}.check.port`, 1, 65535))
  if (kind === 'http') (text(c.url, `${path}.check.url`, 4096), optional(c.status, (s) => int(s, `${path}.check.status`, 100, 599)))
  if (kind === 'exec') command(c.command, `${path}.check.command`)
  if (kind === 'log') text(c.pattern, `${path}.check.pattern`, 4096)
  if (kind === 'after') ms(c.delayMs, `${path}.check.delayMs`)
  ms(p.timeoutMs, `${path}.timeoutMs`)
  num(p.intervalMs, `${path}.intervalMs`, 1, PLAN_LIMITS.ms)
  return p as unknown as ProbeSpec
}

function instance(v: Value, path: string, runner: string, group: string): InstancePlan {
  const i = object(v, path)
  name(i.name, `${path}.name`, PLAN_LIMITS.instanceNameChars)
  if (i.runner !== runner || i.group !== group) fail(path, `an instance of runner ${runner} in group ${group}`)
  int(i.index, `${path}.index`, 1, PLAN_LIMITS.instances)
  name(i.host, `${path}.host`)
  command(i.command, `${path}.command`)
  const cwd = text(i.cwd, `${path}.cwd`, 4096)
  // `~/…`: a remote instance's cwd under the home of the daemon that runs it (src/remote/remote-path.ts).
  if (!isHostPath(cwd)) fail(`${path}.cwd`, 'an absolute path, ~ or ~/…')
  const env = object(i.env, `${path}.env`)
  const keys = Object.keys(env)
  if (keys.length > PLAN_LIMITS.envKeys) fail(`${path}.env`, `at most ${PLAN_LIMITS.envKeys} variables`)
  for (const key of keys) {
    if (key === '' || key.includes('=') || key.includes('\0')) fail(`${path}.env`, 'variables with names without "=" or NUL bytes')
    text(env[key], `${path}.env.${key}`)
  }
  optional(i.envKeys, (k) => list(k, `${path}.envKeys`, PLAN_LIMITS.envKeys).forEach((key, n) => text(key, `${path}.envKeys[${n}]`, 4096)))
  optional(i.port, (p) => int(p, `${path}.port`, 1, 65535))
  optional(i.ready, (p) => probe(p, `${path}.ready`))
  optional(i.health, (p) => (probe(p, `${path}.health`), int(object(p, `${path}.health`).failures, `${path}.health.failures`, 1, 1_000_000)))
  const restart = object(i.restart, `${path}.restart`)
  oneOf(restart.policy, `${path}.restart.policy`, ['always', 'on-failure', 'never'] as const)
  const backoff = object(restart.backoff, `${path}.restart.backoff`)
  ms(backoff.initialMs, `${path}.restart.backoff.initialMs`)
  ms(backoff.maxMs, `${path}.restart.backoff.maxMs`)
  num(backoff.factor, `${path}.restart.backoff.factor`, 1, 1000)
  optional(restart.limit, (l) => {
    const limit = object(l, `${path}.restart.limit`)
    int(limit.count, `${path}.restart.limit.count`, 0, 1_000_000)
    ms(limit.windowMs, `${path}.restart.limit.windowMs`)
  })
  const stop = object(i.stop, `${path}.stop`)
  if (typeof stop.signal !== 'string' || parseSignal(stop.signal) !== stop.signal) fail(`${path}.stop.signal`, 'a signal name such as SIGTERM')
  ms(stop.timeoutMs, `${path}.stop.timeoutMs`)
  optional(stop.command, (c) => command(c, `${path}.stop.command`))
  bool(i.oneshot, `${path}.oneshot`)
  optional(i.memoryLimit, (m) => num(m, `${path}.memoryLimit`, 1, Number.MAX_SAFE_INTEGER))
  optional(i.resources, (r) => {
    const res = object(r, `${path}.resources`)
    optional(res.cpu, (c) => num(c, `${path}.resources.cpu`, 0, 1_000_000))
    optional(res.memory, (m) => num(m, `${path}.resources.memory`, 0, Number.MAX_SAFE_INTEGER))
  })
  optional(i.watch, (w) => {
    const watch = object(w, `${path}.watch`)
    list(watch.paths, `${path}.watch.paths`, 1000).forEach((p, n) => text(p, `${path}.watch.paths[${n}]`, 4096))
    list(watch.ignore, `${path}.watch.ignore`, 1000).forEach((p, n) => text(p, `${path}.watch.ignore[${n}]`, 4096))
    ms(watch.debounceMs, `${path}.watch.debounceMs`)
  })
  const log = object(i.log, `${path}.log`)
  int(log.maxSize, `${path}.log.maxSize`, 1, Number.MAX_SAFE_INTEGER)
  int(log.keep, `${path}.log.keep`, 0, 1000)
  return i as unknown as InstancePlan
}

function plan(v: Value): StackPlan {
  const p = object(v, 'plan')
  name(p.name, 'plan.name')
  if (p.baseEnv !== undefined) oneOf(p.baseEnv, 'plan.baseEnv', ['daemon'] as const)
  text(p.configPath, 'plan.configPath', 4096)
  text(p.dir, 'plan.dir', 4096)
  oneOf(p.format, 'plan.format', ['mar.yaml', 'procfile'] as const)
  const groups = list(p.groups, 'plan.groups', 1000).map((g, n) => object(g, `plan.groups[${n}]`))
  const groupNames = groups.map((g, n) => name(g.name, `plan.groups[${n}].name`))
  if (new Set(groupNames).size !== groupNames.length) fail('plan.groups', 'groups with distinct names')
  const instanceNames = new Set<string>()
  groups.forEach((g, n) => {
    const at = `plan.groups[${n}]`
    oneOf(g.strategy, `${at}.strategy`, ['parallel', 'ordered'] as const)
    const restart = object(g.restart, `${at}.restart`)
    oneOf(restart.strategy, `${at}.restart.strategy`, ['one-for-one', 'one-for-all', 'rest-for-one'] as const)
    list(g.dependsOn, `${at}.dependsOn`, 1000).forEach((d, k) => {
      const dep = object(d, `${at}.dependsOn[${k}]`)
      oneOf(dep.group, `${at}.dependsOn[${k}].group`, groupNames)
      oneOf(dep.condition, `${at}.dependsOn[${k}].condition`, ['ready', 'started', 'completed'] as const)
    })
    list(g.runners, `${at}.runners`, PLAN_LIMITS.instances).forEach((r, k) => {
      const runner = object(r, `${at}.runners[${k}]`)
      const runnerName = name(runner.name, `${at}.runners[${k}].name`)
      if (runner.group !== g.name) fail(`${at}.runners[${k}].group`, `its group's name (${String(g.name)})`)
      bool(runner.oneshot, `${at}.runners[${k}].oneshot`)
      int(runner.scale, `${at}.runners[${k}].scale`, 0, PLAN_LIMITS.instances)
      list(runner.instances, `${at}.runners[${k}].instances`, PLAN_LIMITS.instances).forEach((i, m) => {
        const built = instance(i, `${at}.runners[${k}].instances[${m}]`, runnerName, g.name as string)
        if (instanceNames.has(built.name)) fail(`${at}.runners[${k}].instances[${m}].name`, 'unique in the stack')
        instanceNames.add(built.name)
        if (instanceNames.size > PLAN_LIMITS.instances) fail('plan', `at most ${PLAN_LIMITS.instances} instances`)
      })
    })
  })
  const order = list(p.startOrder, 'plan.startOrder', 1000)
  if (order.length !== groupNames.length || !groupNames.every((g) => order.includes(g))) fail('plan.startOrder', 'every group once')
  const position = new Map(order.map((g, n) => [g as string, n]))
  groups.forEach((g, n) => {
    for (const dep of g.dependsOn as Array<{group: string}>) {
      if (position.get(dep.group)! >= position.get(g.name as string)!) fail(`plan.startOrder`, `in dependency order (group ${groupNames[n]} depends on ${dep.group})`)
    }
  })
  list(p.hosts, 'plan.hosts', 1000).forEach((h, n) => name(object(h, `plan.hosts[${n}]`).name, `plan.hosts[${n}].name`))
  list(p.notActedOn, 'plan.notActedOn', 10_000)
  return p as unknown as StackPlan
}

/** The plan (packed or not) as the runtime may rely on it, or a `bad-request` error naming the first field that is wrong. */
export function checkPlan(value: unknown): StackPlan {
  try {
    const packed = object(value, 'plan')
    if (packed.packed === true) {
      const shared = object(packed.sharedEnv, 'plan.sharedEnv')
      for (const [key, v] of Object.entries(shared)) text(v, `plan.sharedEnv.${key}`)
      // Unpacking walks groups → runners → instances: their shape first.
      list(packed.groups, 'plan.groups', 1000).forEach((g, n) =>
        list(object(g, `plan.groups[${n}]`).runners, `plan.groups[${n}].runners`, PLAN_LIMITS.instances).forEach((r, k) =>
          list(object(r, `plan.groups[${n}].runners[${k}]`).instances, `plan.groups[${n}].runners[${k}].instances`, PLAN_LIMITS.instances).forEach((i, m) =>
            object(object(i, `plan.groups[${n}].runners[${k}].instances[${m}]`).env, `plan.groups[${n}].runners[${k}].instances[${m}].env`),
          ),
        ),
      )
      return plan(unpackPlan(packed as unknown as PackedPlan))
    }
    return plan(value)
  } catch (error) {
    if (error instanceof Bad) throw new MarError('bad-request', `the plan is not one mar can run: ${error.message}`)
    throw error
  }
}
