// Deleting stored output (README, "Logs: clearing and pruning"): a stack's
// on `mar logs --clear`, and that of stacks (or instances) that are gone.
// Only whole stack or instance directories under MAR_HOME/logs are removed:
// what is inside them is the log store's own business.
//
// A directory is first renamed out of the way, synchronously — so that a
// stack coming up in the same daemon right after starts afresh rather than
// writing into a directory being deleted — and deleted after.
import {existsSync, renameSync} from 'node:fs'
import {spoolDirFor} from './paths.js'
import {lstat, readdir, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {foregroundSocket, safeName, type MarPaths} from '../api/home.js'
import {MarError} from '../util/errors.js'
import {acquireLock, foregroundLockKey} from './server.js'

/** Logs of stacks that are not up are kept this long after their last write. */
export const LOG_RETENTION_MS = 7 * 24 * 3600_000

/** Directories being deleted (renamed away first) start with this. */
const TRASH_PREFIX = '.cleared-'

let trashCount = 0

/** Rename `dir` away (sync), then delete it: its disk usage, or null when there was nothing. */
async function removeDir(logs: string, dir: string): Promise<number | null> {
  const trash = join(logs, `${TRASH_PREFIX}${process.pid}-${Date.now()}-${trashCount++}`)
  try {
    renameSync(dir, trash)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const bytes = await diskUsage(trash)
  await rm(trash, {recursive: true, force: true})
  return bytes
}

/** A log directory and its spools (MAR_HOME/spool mirrors MAR_HOME/logs): their disk usage, or null when there was no log directory. */
async function removeLogDir(paths: MarPaths, dir: string): Promise<number | null> {
  const bytes = await removeDir(paths.logs, dir)
  const spool = await removeDir(paths.spool, spoolDirFor(paths, dir)).catch(() => null)
  return bytes === null && spool === null ? null : (bytes ?? 0) + (spool ?? 0)
}

/** Delete every stored line of a stack (the caller made sure it is not up). */
export async function removeStackLogs(paths: MarPaths, stack: string): Promise<{removed: boolean; bytes: number}> {
  const bytes = await removeLogDir(paths, join(paths.logs, safeName(stack)))
  return {removed: bytes !== null, bytes: bytes ?? 0}
}

/**
 * `mar logs --clear`: delete a stack's stored logs, unless it is up (its
 * stores and its programs write them), will come back with the daemon, or
 * runs in the foreground: clearing files that are being written would lose
 * lines and confuse the store's indexes; a stack that is down has none open.
 */
export async function clearStackLogs(
  paths: MarPaths,
  stack: string,
  asker: {role: 'daemon' | 'foreground'; inUse(stackDir: string): boolean},
): Promise<{stack: string; removed: boolean; bytes: number}> {
  if (stack === '') throw new MarError('bad-request', 'clear-logs: name a stack')
  const dir = safeName(stack)
  // Held while deleting: a `mar up -f` of the stack cannot start meanwhile.
  const foregroundLock = asker.role === 'foreground' && asker.inUse(dir) ? null : await acquireLock(foregroundLockKey(paths.home, stack))
  try {
    if (!foregroundLock) {
      throw new MarError('stack-in-foreground', `the stack ${stack} runs in the foreground (mar up -f): its logs are in use`, {hint: `stop it there (Ctrl-C), then \`mar logs --clear ${stack}\``})
    }
    if (asker.inUse(dir) || stackRecorded(paths, dir)) {
      throw new MarError('stack-in-daemon', `the stack ${stack} is up${asker.inUse(dir) ? '' : ' (it comes back when the daemon starts)'}: its logs are in use`, {
        hint: `take it down first (\`mar down ${stack}/\`${asker.inUse(dir) ? '' : ' with the daemon running'}; its logs stay until cleared), then \`mar logs --clear ${stack}\``,
      })
    }
    return {stack, ...(await removeStackLogs(paths, stack))}
  } finally {
    foregroundLock?.release()
  }
}

/** Bytes on disk (blocks, not apparent sizes: rotated segments are holes). */
async function diskUsage(path: string): Promise<number> {
  const stat = await lstat(path).catch(() => null)
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.blocks * 512
  const entries = await readdir(path).catch(() => [] as string[])
  const sizes = await Promise.all(entries.map((entry) => diskUsage(join(path, entry))))
  return sizes.reduce((a, b) => a + b, stat.blocks * 512)
}

/** The newest modification time of anything under `path`. */
async function newestChange(path: string, depth = 4): Promise<number> {
  const stat = await lstat(path).catch(() => null)
  if (!stat) return 0
  if (!stat.isDirectory() || depth === 0) return stat.mtimeMs
  const entries = await readdir(path).catch(() => [] as string[])
  const times = await Promise.all(entries.map((entry) => newestChange(join(path, entry), depth - 1)))
  return Math.max(stat.mtimeMs, ...times)
}

/** The stack is recorded as up: it comes back with the daemon (MAR_HOME/stacks). By its directory name. */
export function stackRecorded(paths: MarPaths, stackDir: string): boolean {
  return existsSync(join(paths.stacks, `${stackDir}.json`))
}

/** A `mar up -f` of the stack serves its socket (or one that died left it: the next `up -f` cleans up). */
export function stackInForeground(paths: MarPaths, stackDir: string): boolean {
  return existsSync(foregroundSocket(paths, stackDir))
}

export interface PruneOptions {
  /**
   * Asked right before a directory goes, synchronously: is this stack (or,
   * with `instanceDir`, this instance of a stack that is up) in use?
   */
  inUse(stackDir: string, instanceDir?: string): boolean
  maxAgeMs?: number
  now?: number
}

/**
 * Remove the logs of stacks that are not up (nor recorded to come back, nor
 * run by a `mar up -f`) and of instances a stack that is up no longer has,
 * once nothing was written to them for `maxAgeMs`. Returns what went, as
 * `stack` or `stack/instance`.
 */
export async function pruneLogs(paths: MarPaths, options: PruneOptions): Promise<string[]> {
  const cutoff = (options.now ?? Date.now()) - (options.maxAgeMs ?? LOG_RETENTION_MS)
  const pruned: string[] = []
  const entries = await readdir(paths.logs).catch(() => [] as string[])
  const stackInUse = (stackDir: string) => options.inUse(stackDir) || stackRecorded(paths, stackDir) || stackInForeground(paths, stackDir)
  for (const entry of entries) {
    const dir = join(paths.logs, entry)
    // What a deletion that was cut short (a crash) left.
    if (entry.startsWith(TRASH_PREFIX)) {
      if ((await newestChange(dir, 0)) < Date.now() - 3600_000) await rm(dir, {recursive: true, force: true}).catch(() => {})
      continue
    }
    if (entry.startsWith('.') || !(await lstat(dir).catch(() => null))?.isDirectory()) continue
    if (!stackInUse(entry)) {
      if ((await newestChange(dir)) >= cutoff) continue
      // Checked again right before it goes: it may have come up meanwhile.
      if (!stackInUse(entry) && (await removeLogDir(paths, dir)) !== null) pruned.push(entry)
      continue
    }
    // Recorded or in the foreground but not up here: which instances it has is not known; all stay.
    if (!options.inUse(entry)) continue
    for (const instance of await readdir(dir).catch(() => [] as string[])) {
      if (instance.startsWith('.') || options.inUse(entry, instance)) continue
      const instanceDir = join(dir, instance)
      if (!(await lstat(instanceDir).catch(() => null))?.isDirectory() || (await newestChange(instanceDir)) >= cutoff) continue
      if (!options.inUse(entry, instance) && (await removeLogDir(paths, instanceDir)) !== null) pruned.push(`${entry}/${instance}`)
    }
  }
  return pruned
}
