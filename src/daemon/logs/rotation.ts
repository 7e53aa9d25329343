// Rotation by rename, as logrotate does it, so `tail -F` and log shippers
// follow: `out.log` → `out.log.1` … → `out.log.K`, the oldest removed, and
// each index beside its log. One rotation, in this order:
//   1. write the next current index, `out.idx.new` (it says where the next
//      segment starts): from here on the rotation is under way;
//   2. remove slot K (index, then log), then for each slot from K-1 down to
//      0 rename its index one slot up, then its log;
//   3. rename `out.idx.new` to `out.idx`. The next `out.log` is created when
//      its first bytes come.
// A crash (kill -9) anywhere leaves `out.idx.new` behind, and each of the two
// rename sequences either not begun, or with one empty slot below full ones
// (the moves still to do are those below it), or finished (slot 0 empty):
// `finishRotation` completes both and step 3. Indexes move before their logs
// so that a reader that finds the same index at a slot before and after
// opening that slot's log has the log that index describes (snapshot.ts).
import {lstatSync} from 'node:fs'
import {readdir, rename, unlink} from 'node:fs/promises'
import {indexPath, logPath, nextIndexPath, streamPrefix, type StreamName} from './layout.js'

type SlotPath = (dir: string, stream: StreamName, slot: number) => string

function exists(path: string): boolean {
  return lstatSync(path, {throwIfNoEntry: false}) !== undefined
}

export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

async function moveIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/** Step 2 and 3 of a rotation whose step 1 is done. keep ≥ 0. */
export async function shiftSegments(dir: string, stream: StreamName, keep: number): Promise<void> {
  await removeIfPresent(indexPath(dir, stream, keep))
  await removeIfPresent(logPath(dir, stream, keep))
  // Only the slots there are: with a large keep, most are not there yet.
  const top = Math.min(keep - 1, Math.max(0, ...(await rotatedSlots(dir, stream, 'log')), ...(await rotatedSlots(dir, stream, 'idx'))))
  for (let slot = top; slot >= 0; slot--) {
    await moveIfPresent(indexPath(dir, stream, slot), indexPath(dir, stream, slot + 1))
    await moveIfPresent(logPath(dir, stream, slot), logPath(dir, stream, slot + 1))
  }
  await rename(nextIndexPath(dir, stream), indexPath(dir, stream, 0))
}

/** Complete a rotation a crash interrupted (a no-op when none was under way). */
export async function finishRotation(dir: string, stream: StreamName, keep: number): Promise<void> {
  if (!exists(nextIndexPath(dir, stream))) return
  for (const path of [indexPath, logPath]) await finishMoves(dir, stream, keep, path)
  await rename(nextIndexPath(dir, stream), indexPath(dir, stream, 0))
}

async function finishMoves(dir: string, stream: StreamName, keep: number, path: SlotPath): Promise<void> {
  const at = (slot: number) => path(dir, stream, slot)
  if (!exists(at(0))) return // this sequence finished
  const slots = await rotatedSlots(dir, stream, path === indexPath ? 'idx' : 'log')
  const top = slots.at(-1) ?? 0
  for (let gap = 1; gap < top; gap++) {
    if (exists(at(gap))) continue
    for (let slot = gap - 1; slot >= 0; slot--) await moveIfPresent(at(slot), at(slot + 1))
    return
  }
  // Not begun (or only slot K removed): all of it.
  await removeIfPresent(at(keep))
  for (let slot = Math.min(keep - 1, top); slot >= 0; slot--) await moveIfPresent(at(slot), at(slot + 1))
}

/** Remove rotated segments beyond `keep` (after `keep` was lowered). */
export async function dropBeyond(dir: string, stream: StreamName, keep: number): Promise<void> {
  for (const kind of ['idx', 'log'] as const) {
    for (const slot of await rotatedSlots(dir, stream, kind)) {
      if (slot > keep) await removeIfPresent((kind === 'idx' ? indexPath : logPath)(dir, stream, slot))
    }
  }
}

/** Slot numbers ≥ 1 that have an index (or a log) on disk, ascending. */
export async function rotatedSlots(dir: string, stream: StreamName, kind: 'idx' | 'log' = 'idx'): Promise<number[]> {
  const pattern = new RegExp(`^${streamPrefix(stream)}\\.${kind}\\.([1-9][0-9]*)$`)
  const slots: number[] = []
  for (const name of await readdir(dir)) {
    const match = pattern.exec(name)
    if (match) slots.push(Number(match[1]))
  }
  return slots.sort((a, b) => a - b)
}
