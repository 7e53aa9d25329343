// Moving segment indexes up one slot, and finishing a move that a crash
// (kill -9 of the daemon) interrupted. A shift removes the top slot, then
// renames each index one slot up from the top down, so an interrupted shift
// leaves one empty slot below full ones: `repairSlots` finishes the moves
// below it.
import {readdir, rename, unlink} from 'node:fs/promises'
import {lstatSync} from 'node:fs'
import {indexPath, streamPrefix, type StreamName} from './layout.js'

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

/** `.idx.(K-1)` → `.idx.K` … `.idx` → `.idx.1`; the old `.idx.K` goes. keep ≥ 1. */
export async function shiftSegments(dir: string, stream: StreamName, keep: number): Promise<void> {
  await removeIfPresent(indexPath(dir, stream, keep))
  // Only the slots there are: with a large keep, most are not there yet.
  const top = Math.min(keep - 1, Math.max(0, ...(await rotatedSlots(dir, stream))))
  for (let slot = top; slot >= 0; slot--) await moveIfPresent(indexPath(dir, stream, slot), indexPath(dir, stream, slot + 1))
}

/** Complete an interrupted shift. */
export async function repairSlots(dir: string, stream: StreamName): Promise<void> {
  const idx = (slot: number) => indexPath(dir, stream, slot)
  // The moves still to do: an empty slot below full ones. (An empty slot 0 is a finished shift.)
  const slots = await rotatedSlots(dir, stream)
  const top = slots.at(-1) ?? 0
  for (let gap = 1; gap < top; gap++) {
    if (exists(idx(gap))) continue
    for (let slot = gap - 1; slot >= 0; slot--) await moveIfPresent(idx(slot), idx(slot + 1))
    break
  }
  // A keep-0 rotation or a reset had prepared this but not yet put it in place.
  await removeIfPresent(`${idx(0)}.new`)
}

/** Remove rotated indexes beyond `keep` (after `keep` was lowered; 0 after a reset). */
export async function dropBeyond(dir: string, stream: StreamName, keep: number): Promise<void> {
  for (const slot of await rotatedSlots(dir, stream)) {
    if (slot > keep) await removeIfPresent(indexPath(dir, stream, slot))
  }
}

/** Slot numbers ≥ 1 that have an index on disk, ascending. */
export async function rotatedSlots(dir: string, stream: StreamName): Promise<number[]> {
  const pattern = new RegExp(`^${streamPrefix(stream)}\\.idx\\.([1-9][0-9]*)$`)
  const slots: number[] = []
  for (const name of await readdir(dir)) {
    const match = pattern.exec(name)
    if (match) slots.push(Number(match[1]))
  }
  return slots.sort((a, b) => a - b)
}
