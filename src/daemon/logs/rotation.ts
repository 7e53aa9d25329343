// Moving segments up one slot, and finishing a move that a crash (kill -9
// of the daemon) interrupted. Each move renames the segment before its
// index, so an interrupted rotation leaves at most one index without its
// segment right below a segment without its index: `repairSlots` completes
// that move and the moves below it, and anything else unpaired is debris
// of an unfinished drop.
import {readdir, rename, unlink} from 'node:fs/promises'
import {lstatSync} from 'node:fs'
import {indexPath, segmentPath, streamPrefix, type StreamName} from './layout.js'

function exists(path: string): boolean {
  return lstatSync(path, {throwIfNoEntry: false}) !== undefined
}

async function removeIfPresent(path: string): Promise<void> {
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

/** `.log.(K-1)` → `.log.K` … `.log` → `.log.1` (each with its index); the old `.log.K` goes. keep ≥ 1. */
export async function shiftSegments(dir: string, stream: StreamName, keep: number): Promise<void> {
  await removeIfPresent(segmentPath(dir, stream, keep))
  await removeIfPresent(indexPath(dir, stream, keep))
  // Only the slots there are: with a large keep, most are not there yet.
  const top = Math.min(keep - 1, Math.max(0, ...(await rotatedSlots(dir, stream))))
  for (let slot = top; slot >= 0; slot--) {
    await moveIfPresent(segmentPath(dir, stream, slot), segmentPath(dir, stream, slot + 1))
    await moveIfPresent(indexPath(dir, stream, slot), indexPath(dir, stream, slot + 1))
  }
}

/** Complete an interrupted shift and remove rotated files that have lost their partner. */
export async function repairSlots(dir: string, stream: StreamName, keep: number): Promise<void> {
  const log = (slot: number) => segmentPath(dir, stream, slot)
  const idx = (slot: number) => indexPath(dir, stream, slot)
  // The move that was under way: its segment went up a slot, its index did not yet.
  for (let slot = keep - 1; slot >= 0; slot--) {
    if (exists(idx(slot)) && !exists(log(slot)) && exists(log(slot + 1)) && !exists(idx(slot + 1))) await rename(idx(slot), idx(slot + 1))
  }
  // The moves still to do: an empty slot below full ones. (An empty slot 0 is a finished shift.)
  const slots = await rotatedSlots(dir, stream)
  const top = slots.at(-1) ?? 0
  for (let gap = 1; gap < top; gap++) {
    if (exists(log(gap)) || exists(idx(gap))) continue
    for (let slot = gap - 1; slot >= 0; slot--) {
      await moveIfPresent(log(slot), log(slot + 1))
      await moveIfPresent(idx(slot), idx(slot + 1))
    }
    break
  }
  for (const slot of await rotatedSlots(dir, stream)) {
    if (exists(log(slot)) !== exists(idx(slot))) {
      await removeIfPresent(log(slot))
      await removeIfPresent(idx(slot))
    }
  }
  // Files a keep-0 rotation had prepared but not yet put in place.
  await removeIfPresent(`${log(0)}.new`)
  await removeIfPresent(`${idx(0)}.new`)
}

/** Remove rotated segments beyond `keep` (after `keep` was lowered). */
export async function dropBeyond(dir: string, stream: StreamName, keep: number): Promise<void> {
  for (const slot of await rotatedSlots(dir, stream)) {
    if (slot <= keep) continue
    await removeIfPresent(segmentPath(dir, stream, slot))
    await removeIfPresent(indexPath(dir, stream, slot))
  }
}

/** Slot numbers ≥ 1 that have a segment or an index on disk, ascending. */
export async function rotatedSlots(dir: string, stream: StreamName): Promise<number[]> {
  const pattern = new RegExp(`^${streamPrefix(stream)}\\.log\\.([1-9][0-9]*)(\\.idx)?$`)
  const slots = new Set<number>()
  for (const name of await readdir(dir)) {
    const match = pattern.exec(name)
    if (match) slots.add(Number(match[1]))
  }
  return [...slots].sort((a, b) => a - b)
}
