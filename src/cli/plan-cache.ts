// Planned stacks, cached in MAR_HOME/cache so that `mar up` and `mar reload`
// of an unchanged config skip YAML parsing, schema validation and planning
// — about half the command's start-up (README, "Daemon benchmarks"). An
// entry is used only when everything the plan came from is the same: the
// mar build, the working directory and -c argument, the whole environment,
// and the text of the config and of every env file it read (one that was
// absent must still be absent; one that cannot be read is a miss). Checking
// costs one read and one string comparison per file (no hashing: loading
// node:crypto would cost every command that loads a config 3 ms).
//
// An entry holds the plan, which holds each instance's environment, as
// MAR_HOME/stacks does for running stacks: the directory is 0700, the files
// 0600, and only a MAR_HOME that exists already (made by the daemon) gets a
// cache. The newest MAX_ENTRIES are kept.
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {StackPlan} from '../config/types.js'
import {ownedPrivately} from '../util/private-dir.js'
import {marBuild, marVersion} from '../util/version.js'
import {packPlan, unpackPlan} from '../config/plan-pack.js'

export interface CachedPlan {
  plan: StackPlan
  warnings: string[]
}

interface Entry extends CachedPlan {
  version: string
  /** What the entry is for (the file name is only a hash of it). */
  key: string
  /** The environment, as sorted [name, value] pairs in JSON. */
  env: string
  /** [path, text or null when absent] for each input file, as the plan read them. */
  files: Array<[string, string | null]>
}

const MAX_ENTRIES = 32

/** The file's text; null when it does not exist; undefined when it cannot be read (never equal to what an entry holds). */
function fileText(path: string): string | null | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined
  }
}

const buildOf = () => `${marVersion()} ${marBuild()}`

/** FNV-1a, 32 bits twice: a file name for the key, not a security measure (the entry holds the key itself). */
function nameOf(key: string): string {
  let a = 0x811c9dc5
  let b = 0x01000193
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193) >>> 0
    b = Math.imul(b ^ c, 0x811c9dc5) >>> 0
  }
  return `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`
}

const keyOf = (configFile: string, cwd: string, configArg: string | undefined) => `${configFile}\0${cwd}\0${configArg ?? ''}`

function envText(env: NodeJS.ProcessEnv): string {
  const entries = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return JSON.stringify(entries)
}

/** Where the plan of this config, as seen from this directory with this -c, is cached. */
export function planCachePath(home: string, configFile: string, cwd: string, configArg: string | undefined): {path: string; key: string} {
  const key = keyOf(configFile, cwd, configArg)
  return {path: join(home, 'cache', `plan-${nameOf(key)}.json`), key}
}

/** The cached plan when every input is unchanged; null otherwise (or when there is none). */
export function readCachedPlan(at: {path: string; key: string}, env: NodeJS.ProcessEnv): CachedPlan | null {
  let entry: Entry
  try {
    // A plan is what mar will run: only from a cache directory no one else can write.
    if (!ownedPrivately(join(at.path, '..'), false)) return null
    entry = JSON.parse(readFileSync(at.path, 'utf8')) as Entry
  } catch {
    return null
  }
  if (entry.version !== buildOf() || entry.key !== at.key || !Array.isArray(entry.files) || entry.env !== envText(env)) return null
  for (const [file, text] of entry.files) if (fileText(file) !== text) return null
  return {plan: unpackPlan(entry.plan), warnings: entry.warnings ?? []}
}

/** Remember a plan and what it came from. Best effort: a cache that cannot be written is no cache. */
export function writeCachedPlan(at: {path: string; key: string}, inputs: Array<[string, string | null]>, env: NodeJS.ProcessEnv, cached: CachedPlan): void {
  const entry: Entry = {version: buildOf(), key: at.key, env: envText(env), files: inputs, ...cached, plan: packPlan(cached.plan)}
  if (writeIntoCache(at.path, JSON.stringify(entry))) prune(join(at.path, '..'))
}

/**
 * Write a file of MAR_HOME/cache (0600, by rename). Only inside a MAR_HOME
 * the daemon made (0700): a recursive mkdir would make one without its checks
 * (and never returns under /proc). Best effort: false when it could not.
 */
function writeIntoCache(path: string, data: string | Uint8Array): boolean {
  const dir = join(path, '..')
  const temporary = `${path}.${process.pid}.tmp`
  try {
    // Never into somebody else's MAR_HOME (vetting it comes later, and says so).
    if (!ownedPrivately(join(dir, '..'))) return false
    mkdirSync(dir, {mode: 0o700})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false
  }
  try {
    if (!ownedPrivately(dir, false)) return false
    writeFileSync(temporary, data, {mode: 0o600})
    renameSync(temporary, path)
    return true
  } catch {
    // A read-only or full MAR_HOME: no cache.
    try {
      rmSync(temporary, {force: true})
    } catch {
      // nothing was written
    }
    return false
  }
}

/** Keep the newest MAX_ENTRIES plans (configs validated once in a temp dir must not pile up), and no temp file a killed writer left. */
function prune(dir: string): void {
  const all = readdirSync(dir)
  for (const name of all.filter((n) => n.endsWith('.tmp'))) {
    const at = statSync(join(dir, name), {throwIfNoEntry: false})?.mtimeMs ?? Date.now()
    if (Date.now() - at > 60_000) rmSync(join(dir, name), {force: true})
  }
  const names = all.filter((name) => name.startsWith('plan-') && name.endsWith('.json'))
  if (names.length <= MAX_ENTRIES) return
  const byAge = names.map((name) => ({name, at: statSync(join(dir, name), {throwIfNoEntry: false})?.mtimeMs ?? 0})).sort((a, b) => b.at - a.at)
  for (const {name} of byAge.slice(MAX_ENTRIES)) rmSync(join(dir, name), {force: true})
}
