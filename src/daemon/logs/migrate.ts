// Log directories of the layout before the spool — `out.log` written by the
// child itself, with holes punched where rotation dropped segments, and
// `out.idx*` pointing into it — are migrated once, when their store first
// opens:
//   1. the next current index says the stream goes on from the oldest byte
//      still kept (as a rotation would, `out.idx.new`; rotation.ts);
//   2. the old `out.log` is renamed into the spool: a child still writing it
//      keeps its descriptor, which follows the rename, so nothing is lost;
//   3. the old indexes go; the store's open puts the new one in place.
// The next pump then copies the kept bytes into plain files like any new
// output, at their old global positions (cursors stay valid), stamped with
// that pump's time: the old per-chunk times are not carried over.
import {closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, unlinkSync, writeSync} from 'node:fs'
import {decodeRecord, encodeRecord, RECORD_SIZE, type IndexRecord} from './index-record.js'
import {indexPath, logPath, nextIndexPath, spoolPath, STREAMS, streamPrefix, type StreamName} from './layout.js'

/**
 * Synchronous: a spawn may come before the store opens (the child gets its
 * spool at once), and it must find the old log already moved; when there is
 * nothing to migrate this costs one lstat. Both streams move into a
 * directory made beside the spool directory, which is renamed into place
 * last: the spool directory exists only in the new layout, so a crash before
 * that migrates again (a stream already moved is skipped).
 */
export function migrateOldLayout(dir: string, spoolDir: string): void {
  if (lstatSync(spoolDir, {throwIfNoEntry: false})) return
  const made = `${spoolDir}.new`
  let moved = lstatSync(made, {throwIfNoEntry: false}) !== undefined
  for (const stream of STREAMS) moved = migrateStream(dir, made, stream) || moved
  if (moved) renameSync(made, spoolDir)
}

function migrateStream(dir: string, made: string, stream: StreamName): boolean {
  const oldLog = logPath(dir, stream, 0)
  if (!lstatSync(oldLog, {throwIfNoEntry: false})) return false
  const rotated = rotatedIndexes(dir, stream)
  const oldest = recordIn(dir, stream, [...rotated].reverse().concat(0), 'first')
  const newest = recordIn(dir, stream, [0, ...rotated], 'last')
  // An old log holds every byte its index points at.
  if (!oldest || !newest || lstatSync(oldLog).size < newest.rawStart + newest.length) return false
  const next = openSync(nextIndexPath(dir, stream), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600)
  try {
    writeSync(next, encodeRecord({globalStart: oldest.globalStart, rawStart: oldest.rawStart, length: 0, timeMs: newest.timeMs}))
  } finally {
    closeSync(next)
  }
  mkdirSync(made, {recursive: true, mode: 0o700})
  renameSync(oldLog, spoolPath(made, stream))
  for (const slot of [...rotated, 0]) unlinkSync(indexPath(dir, stream, slot))
  return true
}

function rotatedIndexes(dir: string, stream: StreamName): number[] {
  const pattern = new RegExp(`^${streamPrefix(stream)}\\.idx\\.([1-9][0-9]*)$`)
  return readdirSync(dir)
    .flatMap((name) => {
      const match = pattern.exec(name)
      return match ? [Number(match[1])] : []
    })
    .sort((a, b) => a - b)
}

function readRecord(dir: string, stream: StreamName, slot: number, which: 'first' | 'last'): IndexRecord | undefined {
  let fd: number
  try {
    fd = openSync(indexPath(dir, stream, slot), constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch {
    return undefined
  }
  try {
    const count = Math.floor(fstatSync(fd).size / RECORD_SIZE)
    if (count === 0) return undefined
    const buffer = Buffer.alloc(RECORD_SIZE)
    readSync(fd, buffer, 0, RECORD_SIZE, (which === 'first' ? 0 : count - 1) * RECORD_SIZE)
    return decodeRecord(buffer)
  } finally {
    closeSync(fd)
  }
}

/** The first (or last) record of the first of `slots` that has one. */
function recordIn(dir: string, stream: StreamName, slots: number[], which: 'first' | 'last'): IndexRecord | undefined {
  for (const slot of slots) {
    const found = readRecord(dir, stream, slot, which)
    if (found) return found
  }
  return undefined
}
