// The small value types of mar.yaml: names, durations, sizes, signals,
// limits, commands, environment maps. Each validates the text as written
// (the regex doubles as the JSON Schema `pattern`) and converts it to what
// the plan carries (ms, bytes, signal names).
import * as z from 'zod'
import {excerpt} from './issues.js'
import {suggest} from './suggest.js'
import {DURATION_LIMIT_TEXT, LIMITS} from './limits.js'
import {DURATION_PATTERN, LIMIT_PATTERN, SIZE_PATTERN, parseDuration, parseLimit, parseSize} from './units.js'
import {parseSignal, signalNames} from '../util/signals.js'

/** Group, runner and host names: they appear in `web.1` and `stack/runner`, so no dots or slashes. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]*$'
export const ENV_KEY_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$'

export const Name = z
  .string()
  .regex(new RegExp(NAME_PATTERN), {error: 'a name may contain only letters, digits, "-" and "_", and starts with a letter or digit'})
  .max(LIMITS.nameChars, {error: `a name has at most ${LIMITS.nameChars} characters`})

export const Duration = z
  .union([
    z.number(),
    z.string().regex(new RegExp(DURATION_PATTERN), {error: 'expected a duration such as 250ms, 2s, 5m or 1h'}),
  ])
  .transform((value, ctx) => {
    const ms = parseDuration(value)
    if (ms !== undefined && ms > LIMITS.durationMs) {
      // Node's timers cannot wait longer: a longer wait would end at once.
      ctx.issues.push({code: 'custom', input: value, message: `${excerpt(String(value))} is longer than the longest duration, ${DURATION_LIMIT_TEXT}`})
      return z.NEVER
    }
    if (ms !== undefined) return ms
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `a duration needs a unit: write ${value}s or ${value}ms`,
    })
    return z.NEVER
  })
  .describe('Duration: 250ms, 2s, 5m, 1h (a bare number is only allowed as 0).')

export const Size = z
  .union([z.number().int().nonnegative(), z.string().regex(new RegExp(SIZE_PATTERN), {error: 'expected a size such as 512K, 256M or 1G'})])
  .transform((value, ctx) => {
    const bytes = parseSize(value)!
    if (bytes <= Number.MAX_SAFE_INTEGER) return bytes
    ctx.issues.push({code: 'custom', input: value, message: `${excerpt(String(value))} is larger than any machine's memory or disk`})
    return z.NEVER
  })
  .describe('Size: 512K, 256M, 1G (powers of 1024), or a number of bytes.')

export const Signal = z
  .union([z.string(), z.number().int().positive()])
  .transform((value, ctx) => {
    const signal = parseSignal(value)
    if (signal) return signal
    const guess = typeof value === 'string' ? suggest(value.toUpperCase().replace(/^(SIG)?/, 'SIG'), signalNames()) : undefined
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `unknown signal "${excerpt(String(value))}"`,
      params: {hint: guess ? `did you mean "${guess}"?` : 'use a name such as SIGTERM, SIGINT, SIGHUP or a number'},
    })
    return z.NEVER
  })
  .describe('Signal: a name (SIGTERM or TERM) or a number.')

/** Restarts a limit may count (the daemon's bound; src/daemon/check-plan.ts). */
export const MAX_RESTARTS = 1_000_000

export const Limit = z
  .string()
  .regex(new RegExp(LIMIT_PATTERN), {error: 'expected N/DURATION such as 5/60s'})
  .transform((value, ctx) => {
    const limit = parseLimit(value)
    if (limit && limit.count > MAX_RESTARTS) {
      ctx.issues.push({code: 'custom', input: value, message: `at most ${MAX_RESTARTS} restarts can be counted in a window`})
      return z.NEVER
    }
    if (limit && limit.windowMs > LIMITS.durationMs) {
      ctx.issues.push({code: 'custom', input: value, message: `the window of a restart limit is at most ${DURATION_LIMIT_TEXT}`})
      return z.NEVER
    }
    if (limit) return limit
    ctx.issues.push({code: 'custom', input: value, message: 'the window of a restart limit must be longer than 0'})
    return z.NEVER
  })
  .describe('Restart intensity: at most N restarts within DURATION, e.g. 5/60s.')

/** A program: a string runs through /bin/sh -c, a list is an argv and runs without a shell. */
export const Command = z.union([
  z.string().min(1, {error: 'a command cannot be empty'}),
  z
    .array(z.union([z.string(), z.number()]))
    .min(1, {error: 'an argv list needs at least the program'})
    .transform((argv) => argv.map(String)),
])

export const StringList = z.union([z.string(), z.array(z.string())]).transform((value) => (typeof value === 'string' ? [value] : value))

export const EnvMap = z
  .record(
    z.string().regex(new RegExp(ENV_KEY_PATTERN), {error: 'an environment variable name has letters, digits and "_" and does not start with a digit'}),
    z.union([z.string(), z.number(), z.boolean()]).transform(String),
  )
  .describe('Extra environment variables; values are interpolated (${VAR}, ${VAR:-default}).')
