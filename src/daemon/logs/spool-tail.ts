// What a child wrote that no daemon has copied into the plain files yet:
// the spool past the last indexed block. `mar logs` without a daemon reads
// it too, so every line that is on disk is shown — after a kill -9 mid-flood
// most of the output may still be there (the next daemon copies it).
// Read-only: nothing is copied or indexed here.
import {constants} from 'node:fs'
import {open, stat} from 'node:fs/promises'
import {indexPath, basePath, spoolPath, type StreamName} from './layout.js'
import {recordEnd} from './index-record.js'
import {SegmentIndex} from './segment-index.js'
import {readBase} from './spool-base.js'
import {matches, type StoredLine} from './stored-line.js'
import type {LastLinesOptions} from './read-last.js'

const BLOCK = 1024 * 1024
const NEWLINE = 10

/** The last index record of a stream (current segment, else the newest rotated one), or undefined. */
async function lastRecord(dir: string, stream: StreamName) {
  for (const slot of [0, 1]) {
    const file = await open(indexPath(dir, stream, slot), constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null)
    if (!file) continue
    try {
      const index = await SegmentIndex.open(file)
      if (index.count > 0) return await index.get(index.count - 1)
    } finally {
      await file.close()
    }
  }
  return undefined
}

/**
 * The last `limit` complete lines of the spool that were never copied, with
 * the spool's modification time (when they were written, at the latest) and
 * the positions they will have once copied.
 */
export async function readSpoolTail(dir: string, spoolDir: string, stream: StreamName, options: LastLinesOptions): Promise<StoredLine[]> {
  const {limit, sinceMs, grep} = options
  if (!(limit > 0)) return []
  const last = await lastRecord(dir, stream)
  const copied = last ? last.rawStart + last.length : 0
  const globalEnd = last ? recordEnd(last) : 0
  const from = copied - (await readBase(basePath(spoolDir, stream)).catch(() => 0))
  const path = spoolPath(spoolDir, stream)
  const info = await stat(path).catch(() => null)
  if (!info || from < 0 || info.size <= from) return []
  const time = info.mtimeMs
  if (sinceMs !== undefined && time < sinceMs) return []
  const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  const lines: StoredLine[] = []
  try {
    let carry = Buffer.alloc(0)
    let position = from
    const buffer = Buffer.allocUnsafe(BLOCK)
    for (;;) {
      const {bytesRead} = await file.read(buffer, 0, BLOCK, position)
      if (bytesRead === 0) break
      const chunk = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead)
      const chunkStart = position - carry.length
      let start = 0
      for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        const bytes = Buffer.from(chunk.subarray(start, nl))
        start = nl + 1
        if (grep && !(await matches(grep, bytes))) continue
        lines.push({time, stream, bytes, end: globalEnd + (chunkStart + start - from)})
        // Only the last `limit` are wanted: drop the oldest in batches.
        if (lines.length >= 2 * limit) lines.splice(0, lines.length - limit)
      }
      carry = Buffer.from(chunk.subarray(start))
      position += bytesRead
    }
  } finally {
    await file.close()
  }
  return lines.slice(-limit)
}
