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
import {constants, lstatSync, mkdirSync} from 'node:fs'
import {open, rename} from 'node:fs/promises'
import {encodeRecord, type IndexRecord} from './index-record.js'
import {indexPath, logPath, nextIndexPath, spoolPath, type StreamName} from './layout.js'
import {removeIfPresent, rotatedSlots} from './rotation.js'
import {SegmentIndex} from './segment-index.js'

export async function migrateOldLayout(dir: string, spoolDir: string, stream: StreamName): Promise<void> {
  const oldLog = logPath(dir, stream, 0)
  if (lstatSync(spoolPath(spoolDir, stream), {throwIfNoEntry: false}) || !lstatSync(oldLog, {throwIfNoEntry: false})) return
  const rotated = await rotatedSlots(dir, stream)
  const oldest = await recordIn(dir, stream, [...rotated].reverse().concat(0), 'first')
  const newest = await recordIn(dir, stream, [0, ...rotated], 'last')
  // The old log holds every byte its index points at; a plain log of this layout whose spool was removed does not (or holds the same bytes).
  if (!oldest || !newest || lstatSync(oldLog).size < newest.rawStart + newest.length) return
  const next = await open(nextIndexPath(dir, stream), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600)
  try {
    await next.write(encodeRecord({globalStart: oldest.globalStart, rawStart: oldest.rawStart, length: 0, timeMs: newest.timeMs}))
  } finally {
    await next.close()
  }
  mkdirSync(spoolDir, {recursive: true, mode: 0o700})
  await rename(oldLog, spoolPath(spoolDir, stream))
  for (const slot of [...rotated, 0]) await removeIfPresent(indexPath(dir, stream, slot))
}

async function records(dir: string, stream: StreamName, slot: number, which: 'first' | 'last'): Promise<IndexRecord | undefined> {
  let file
  try {
    file = await open(indexPath(dir, stream, slot), constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch {
    return undefined
  }
  try {
    const index = await SegmentIndex.open(file)
    if (index.count === 0) return undefined
    return await index.get(which === 'first' ? 0 : index.count - 1)
  } finally {
    await file.close()
  }
}

/** The first (or last) record of the first of `slots` that has one. */
async function recordIn(dir: string, stream: StreamName, slots: number[], which: 'first' | 'last'): Promise<IndexRecord | undefined> {
  for (const slot of slots) {
    const found = await records(dir, stream, slot, which)
    if (found) return found
  }
  return undefined
}
