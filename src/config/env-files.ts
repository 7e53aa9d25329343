// Loading the env_file entries of the top level and of runners: resolve
// each path (interpolated, relative to the config file), read it once even
// when several runners name it, and merge in order (later files win). A file
// named explicitly must exist; the implicit top-level `.env` is optional.
import {isAbsolute, join} from 'node:path'
import {parseEnvFile, type EnvFileResult} from './env-file.js'
import {LIMITS} from './limits.js'
import {readLimited} from './read-limited.js'
import {issueAt, resolveText, type PlanContext} from './resolve.js'
import type {Vars} from './interpolate.js'
import type {ConfigPath} from './source.js'

type Cached = EnvFileResult | {missing: true} | {unreadable: string}
const cache = new WeakMap<PlanContext, Map<string, Cached>>()

/** Problems reported per env file: a file that is no env file at all (`/etc/passwd`) is one mistake, not one per line. */
const MAX_ISSUES = 3

function read(ctx: PlanContext, file: string): Cached {
  let files = cache.get(ctx)
  if (!files) cache.set(ctx, (files = new Map()))
  let entry = files.get(file)
  if (!entry) {
    ctx.inputs?.set(file, null)
    const outcome = readLimited(file, LIMITS.envFileBytes)
    if (outcome.ok) {
      ctx.inputs?.set(file, outcome.text)
      entry = parseEnvFile(outcome.text, file)
      ctx.issues.push(...entry.issues.slice(0, MAX_ISSUES))
      const more = entry.issues.length - MAX_ISSUES
      if (more > 0) ctx.issues.push({...entry.issues[MAX_ISSUES], message: `and ${more} more line${more === 1 ? '' : 's'} that are not KEY=VALUE`, hint: 'is this an env file?'})
    } else {
      entry = outcome.reason === 'missing' ? {missing: true} : {unreadable: outcome.detail}
    }
    files.set(file, entry)
  }
  return entry
}

/**
 * Variables of the env files listed at `path` (a string or a list in the
 * source), interpolating their names with `vars`. `implicit` files may be absent.
 */
export function loadEnvFiles(ctx: PlanContext, files: readonly string[], path: ConfigPath, vars: Vars, options: {implicit?: boolean; list?: boolean} = {}): Record<string, string> {
  const merged: Record<string, string> = {}
  files.forEach((name, i) => {
    const at = options.list ? [...path, i] : path
    const resolved = resolveText(ctx, name, at, vars)
    const file = isAbsolute(resolved) ? resolved : join(ctx.dir, resolved)
    const entry = read(ctx, file)
    if ('missing' in entry) {
      // A warning, not an error: `env_file: .env` reads as ".env when present"
      // (the README's configuration reference says so), as with systemd's
      // EnvironmentFile=-path. A typo still shows up in validate and up.
      if (!options.implicit) {
        const position = ctx.source.locator.locate(at)
        const where = position?.line === undefined ? ctx.source.file : `${ctx.source.file}:${position.line}${position.column === undefined ? '' : `:${position.column}`}`
        ctx.warnings.push(`${where}: env_file "${resolved}" not found; skipped`)
      }
      return
    }
    if ('unreadable' in entry) {
      issueAt(ctx, at, 'unreadable-file', `cannot read env_file "${resolved}": ${entry.unreadable}`)
      return
    }
    Object.assign(merged, entry.vars)
  })
  return merged
}
