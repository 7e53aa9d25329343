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
import {contentHash} from '../config/content-hash.js'
import type {StackPlan} from '../config/types.js'
import {marVersion} from '../util/version.js'

export interface CachedPlan {
  plan: StackPlan
  warnings: string[]
}

interface Entry extends CachedPlan {
  version: string
  env: string
  /** [path, contentHash of the text or null when absent] for each input file, as the plan read them. */
  files: Array<[string, string | null]>
}

function fileHash(path: string): string | null {
  try {
    return contentHash(readFileSync(path, 'utf8'))
  } catch {
    return null
  }
}

function envHash(env: NodeJS.ProcessEnv): string {
  const entries = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return contentHash(JSON.stringify(entries))
}

/** Where the plan of this config, as seen from this directory with this -c, is cached. */
export function planCachePath(home: string, configFile: string, cwd: string, configArg: string | undefined): string {
  return join(home, 'cache', `plan-${contentHash(`${configFile}\0${cwd}\0${configArg ?? ''}`).slice(0, 32)}.json`)
}

/** The cached plan when every input is unchanged; null otherwise (or when there is none). */
export function readCachedPlan(path: string, env: NodeJS.ProcessEnv): CachedPlan | null {
  let entry: Entry
  try {
    entry = JSON.parse(readFileSync(path, 'utf8')) as Entry
  } catch {
    return null
  }
  if (entry.version !== marVersion() || !Array.isArray(entry.files) || entry.env !== envHash(env)) return null
  for (const [file, hash] of entry.files) if (fileHash(file) !== hash) return null
  return {plan: entry.plan, warnings: entry.warnings ?? []}
}

/** Remember a plan and what it came from. Best effort: a cache that cannot be written is no cache. */
export function writeCachedPlan(path: string, inputs: Array<[string, string | null]>, env: NodeJS.ProcessEnv, cached: CachedPlan): void {
  const entry: Entry = {version: marVersion(), env: envHash(env), files: inputs, ...cached}
  try {
    mkdirSync(join(path, '..'), {recursive: true, mode: 0o700})
    const temporary = `${path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(entry), {mode: 0o600})
    renameSync(temporary, path)
  } catch {
    // A read-only or full MAR_HOME: plan from the config every time.
  }
}
