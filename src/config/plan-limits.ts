// What an instance's plan must satisfy to be run at all, checked on the
// values as interpolated (a `${VAR}` can bring a NUL byte in from an env
// file): execve refuses a NUL byte in any argument or variable and an
// argument over 128 KiB (MAX_ARG_STRLEN), and all of them over ARG_MAX; the
// daemon (src/daemon/check-plan.ts) refuses strings past its lengths. Said
// here in the user's terms, at the key the value came from.
import {LIMITS} from './limits.js'
import {issueAt, type PlanContext} from './resolve.js'
import type {RunnerEntry, RunnerSpec} from './model.js'
import type {CommandSpec, InstancePlan, ProbeSpec} from './types.js'
import type {ConfigPath} from './source.js'

/** execve: one argument or `KEY=VALUE`, with its NUL, is at most 32 pages (128 KiB). */
export const ARG_BYTES = 128 * 1024 - 1
/** Command and environment together: half of Linux's usual ARG_MAX (2 MiB with an 8 MiB stack), leaving room for what a shell adds. */
export const EXEC_BYTES = 1024 * 1024
/** Paths, URLs, patterns: the daemon's bound (PATH_MAX). */
export const PATH_CHARS = 4096
/** Paths a watch may name, and globs it may ignore (the daemon allows 1000 with mar's two). */
export const WATCH_ITEMS = 998
/** Arguments of an argv command. */
export const ARGV_ITEMS = 10_000

const bytes = (text: string) => Buffer.byteLength(text, 'utf8')
const hasNul = (text: string) => text.includes('\0')
const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`

export function checkInstance(ctx: PlanContext, entry: RunnerEntry, runner: RunnerSpec, instance: InstancePlan): void {
  const path = entry.path
  let execBytes = checkCommand(ctx, instance.command, entry.cmdPath)
  if (hasNul(instance.cwd) || instance.cwd.length > PATH_CHARS) issueAt(ctx, [...path, 'cwd'], 'invalid-value', `the working directory ${hasNul(instance.cwd) ? 'contains a NUL byte' : `is longer than ${PATH_CHARS} characters`}`)
  const keys = Object.keys(instance.env)
  if (keys.length > LIMITS.envKeys) {
    issueAt(ctx, envPath(ctx, entry, runner, keys.at(-1)!), 'too-large', `the environment of ${instance.name} has ${keys.length} variables; at most ${LIMITS.envKeys}`, 'is the env_file the right one?')
  }
  for (const key of keys) {
    const value = instance.env[key]
    const size = bytes(key) + 1 + bytes(value)
    execBytes += size + 1
    if (hasNul(value)) issueAt(ctx, envPath(ctx, entry, runner, key), 'invalid-value', `the value of ${key} contains a NUL byte, which no program can be given`)
    else if (key.length > PATH_CHARS) issueAt(ctx, envPath(ctx, entry, runner, key), 'invalid-value', `a variable name is longer than ${PATH_CHARS} characters`)
    else if (size > ARG_BYTES) issueAt(ctx, envPath(ctx, entry, runner, key), 'too-large', `${key} is ${kib(size)}; a program can be given at most 128 KiB per variable`)
  }
  if (execBytes > EXEC_BYTES) {
    issueAt(ctx, entry.cmdPath, 'too-large', `the command and environment of ${instance.name} take ${kib(execBytes)}; mar passes a program at most ${kib(EXEC_BYTES)}`, 'fewer or shorter variables')
  }
  if (instance.stop.command) checkCommand(ctx, instance.stop.command, [...path, 'stop', 'cmd'])
  for (const [key, probe] of [['ready', instance.ready], ['health', instance.health]] as const) if (probe) checkProbe(ctx, probe, [...path, key])
  if (instance.watch) {
    const watch = instance.watch
    const at = [...path, 'watch'] as ConfigPath
    if (watch.paths.length > WATCH_ITEMS || watch.ignore.length > WATCH_ITEMS + 2) issueAt(ctx, at, 'too-large', `a watch has at most ${WATCH_ITEMS} paths and ${WATCH_ITEMS} ignore patterns`)
    if ([...watch.paths, ...watch.ignore].some((p) => hasNul(p) || p.length > PATH_CHARS)) issueAt(ctx, at, 'invalid-value', `a watched path or ignore pattern has a NUL byte or more than ${PATH_CHARS} characters`)
  }
}

/** Checks one command; returns the bytes it takes in an execve. */
function checkCommand(ctx: PlanContext, command: CommandSpec, at: ConfigPath): number {
  const args = 'shell' in command ? ['/bin/sh', '-c', command.shell] : command.argv
  if ('argv' in command && command.argv[0] === '') issueAt(ctx, at, 'invalid-value', 'the program (the first item of the list) is empty')
  if (args.length > ARGV_ITEMS) issueAt(ctx, at, 'too-large', `a command has at most ${ARGV_ITEMS} arguments`)
  let total = 0
  args.forEach((arg, i) => {
    const where = 'argv' in command && ctx.source.locator.locate([...at, i]) ? [...at, i] : at
    const size = bytes(arg) + 1
    total += size + 8
    if (hasNul(arg)) issueAt(ctx, where, 'invalid-value', 'the command contains a NUL byte, which no program can be given')
    else if (size > ARG_BYTES) issueAt(ctx, where, 'too-large', `the command is ${kib(size)}; a program can be given at most 128 KiB per argument`)
  })
  return total
}

function checkProbe(ctx: PlanContext, probe: ProbeSpec, at: ConfigPath): void {
  const check = probe.check
  if (check.kind === 'exec') checkCommand(ctx, check.command, [...at, 'exec'])
  const text = check.kind === 'http' ? check.url : check.kind === 'log' ? check.pattern : check.kind === 'tcp' ? check.host : undefined
  const max = check.kind === 'tcp' ? 255 : PATH_CHARS
  if (text !== undefined && (hasNul(text) || text.length > max)) issueAt(ctx, [...at, check.kind], 'invalid-value', `the ${check.kind} probe's ${check.kind === 'tcp' ? 'host' : check.kind === 'http' ? 'URL' : 'pattern'} ${hasNul(text) ? 'contains a NUL byte' : `is longer than ${max} characters`}`)
}

/** Where a variable was set: the runner's env, the top-level env, else the env_file that brought it. */
function envPath(ctx: PlanContext, entry: RunnerEntry, runner: RunnerSpec, key: string): ConfigPath {
  if (runner.env?.[key] !== undefined) return [...entry.path, 'env', key]
  const data = ctx.source.data as {env?: Record<string, unknown>; env_file?: unknown} | null
  if (data?.env && typeof data.env === 'object' && Object.hasOwn(data.env, key)) return ['env', key]
  if (runner.env_file) return [...entry.path, 'env_file']
  return data?.env_file !== undefined ? ['env_file'] : entry.path
}
