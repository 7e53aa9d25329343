// Following a stream: complete lines after a cursor, a bounded batch at a
// time, so a follower that reads slowly costs the daemon only its cursor.
import type {IndexRecord} from './index-record.js'
import type {StreamName} from './layout.js'
import {BackwardScanner, readLastLines} from './read-last.js'
import {openSnapshot, withSnapshot} from './snapshot.js'
import type {StoredLine} from './stored-line.js'

const NEWLINE = 10
const DEFAULT_MAX_BYTES = 1024 * 1024

export interface LinesFrom {
  lines: StoredLine[]
  /** The cursor to ask from next time (just after the last line returned). */
  next: number
  /** Bytes between `from` and the oldest kept data that rotated away unread. */
  skipped: number
}

/**
 * Complete lines after cursor `from`, about `maxBytes` of them (a longer
 * line comes whole). A cursor beyond the stored end (a store that was
 * removed) is kept as it is rather than moved back, so nothing repeats.
 * With `partial`, a last line without its newline comes too once the read
 * reaches the stored end (a follower's final read: the program has ended).
 */
export async function readLinesFrom(dir: string, stream: StreamName, from: number, maxBytes = DEFAULT_MAX_BYTES, partial = false, until = Number.POSITIVE_INFINITY): Promise<LinesFrom> {
  return withSnapshot(dir, stream, async (snapshot) => {
    let position = from
    let skipped = 0
    const start = await snapshot.reach(position)
    if (position < start) {
      skipped = start - position
      position = start
    }
    const available = Math.min(snapshot.end, until) - position
    if (available <= 0) return {lines: [], next: Math.max(position, from), skipped}
    let data = await snapshot.read(position, Math.min(Math.max(1, maxBytes), available))
    let last = data.lastIndexOf(NEWLINE)
    while (last === -1 && data.length < available) {
      // A line longer than maxBytes: read on to its end rather than never move.
      const more = await snapshot.read(position + data.length, Math.min(Math.max(data.length, 64 * 1024), available - data.length))
      last = more.indexOf(NEWLINE)
      if (last !== -1) last += data.length
      data = Buffer.concat([data, more])
    }
    const lines: StoredLine[] = []
    for (let start = 0, newline = data.indexOf(NEWLINE); newline !== -1 && newline <= last; newline = data.indexOf(NEWLINE, start)) {
      lines.push({time: await snapshot.timeAt(position + newline), stream, bytes: data.subarray(start, newline), end: position + newline + 1})
      start = newline + 1
    }
    if (partial && data.length === available && last + 1 < data.length) {
      const end = position + data.length
      lines.push({time: await snapshot.timeAt(end - 1), stream, bytes: data.subarray(last + 1), end})
      return {lines, next: end, skipped}
    }
    if (last === -1) return {lines: [], next: position, skipped}
    return {lines, next: position + last + 1, skipped}
  })
}

/**
 * Where a follower starts reading: just after the last complete line, so a
 * line still being written comes whole; with no complete line, at the oldest
 * byte kept; with nothing stored, 0.
 */
export async function followStart(dir: string, stream: StreamName): Promise<number> {
  const [last] = await readLastLines(dir, stream, {limit: 1}).catch(() => [] as StoredLine[])
  if (last) return last.end
  const snapshot = await openSnapshot(dir, stream).catch(() => null)
  if (!snapshot) return 0
  try {
    return await snapshot.reach(0)
  } finally {
    await snapshot.close()
  }
}

/** The index records of chunks that end after `position`, oldest first (at most `limit`). */
export async function chunksAfter(dir: string, stream: StreamName, position: number, limit = 256): Promise<IndexRecord[]> {
  return withSnapshot(dir, stream, (snapshot) => snapshot.recordsAfter(position, limit)).catch(() => [])
}

/**
 * Where the lines after a stamp begin: the start of the first line whose
 * chunk's stamp `before` rejects. A line belongs to the chunk that holds its
 * newline, so a line begun in an earlier chunk is found whole.
 */
export async function positionAfter(dir: string, stream: StreamName, before: (stamp: number) => boolean): Promise<number> {
  const found = await withSnapshot(dir, stream, async (snapshot) => {
    const end = await snapshot.endOfLast(before)
    if (end <= snapshot.start) return snapshot.start
    return (await new BackwardScanner(snapshot).newlineBefore(end)) + 1
  }).catch(() => null)
  return found ?? 0
}
