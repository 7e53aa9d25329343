// Planned stacks, cached in MAR_HOME/cache so that `mar up` and `mar reload`
// of an unchanged config skip YAML parsing, schema validation and planning
// — about half the command's start-up (README, "Daemon benchmarks"). An
// entry is used only when everything the plan came from is byte-for-byte
// the same: the mar version, the working directory and -c argument, the
// whole environment, and the contents of the config and of every env file
// it read (one that was absent must still be absent). Checking costs one
// read and one hash per file; a stale plan is never used.
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {StackPlan} from '../config/types.js'
import {marVersion} from '../util/version.js'

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

function fileText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

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
    entry = JSON.parse(readFileSync(at.path, 'utf8')) as Entry
  } catch {
    return null
  }
  if (entry.version !== marVersion() || entry.key !== at.key || !Array.isArray(entry.files) || entry.env !== envText(env)) return null
  for (const [file, text] of entry.files) if (fileText(file) !== text) return null
  return {plan: entry.plan, warnings: entry.warnings ?? []}
}

/** Remember a plan and what it came from. Best effort: a cache that cannot be written is no cache. */
export function writeCachedPlan(at: {path: string; key: string}, inputs: Array<[string, string | null]>, env: NodeJS.ProcessEnv, cached: CachedPlan): void {
  const entry: Entry = {version: marVersion(), key: at.key, env: envText(env), files: inputs, ...cached}
  try {
    mkdirSync(join(at.path, '..'), {recursive: true, mode: 0o700})
    const temporary = `${at.path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(entry), {mode: 0o600})
    renameSync(temporary, at.path)
  } catch {
    // A read-only or full MAR_HOME: plan from the config every time.
  }
}
