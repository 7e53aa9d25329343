// The last lines of a stream, found by reading its segments backwards in
// blocks from the end: `-n 100` of a 10 MB segment reads one 64 KiB block
// and a few index records, not the files.
import type {LineMatcher} from '../../util/user-pattern.js'
import type {StreamName} from './layout.js'
import {withSnapshot, type StoreSnapshot} from './snapshot.js'
import {matches, type StoredLine} from './stored-line.js'

const BLOCK = 64 * 1024
const NEWLINE = 10

export interface LastLinesOptions {
  limit: number
  /** Only lines read at or after this epoch ms. */
  sinceMs?: number
  /** Only lines whose UTF-8 text matches. */
  grep?: LineMatcher
  /** Include a trailing line that has no newline yet. */
  includePartial?: boolean
  /** Only lines whose chunk's stamp is at most this (a reader's boundary: later ones come after it). */
  maxStamp?: number
}

/** The last `limit` complete lines of one stream that pass the filters, oldest first. */
export async function readLastLines(dir: string, stream: StreamName, options: LastLinesOptions): Promise<StoredLine[]> {
  const {limit, sinceMs, grep, includePartial, maxStamp = Number.POSITIVE_INFINITY} = options
  if (!(limit > 0)) return []
  return withSnapshot(dir, stream, async (snapshot) => {
    const scanner = new BackwardScanner(snapshot)
    const found: StoredLine[] = [] // newest first
    const tooOld = (time: number) => sinceMs !== undefined && time < sinceMs
    const end = snapshot.end
    let newline = await scanner.newlineBefore(end)
    if (newline < end - 1 && includePartial) {
      const time = await snapshot.timeAt(end - 1)
      if (tooOld(time)) return []
      if (time <= maxStamp) {
        const bytes = await scanner.bytes(newline + 1, end)
        if (!grep || (await matches(grep, bytes))) found.push({time, stream, bytes, end})
      }
    }
    while (newline >= snapshot.start && found.length < limit) {
      // Lines are stored in the order they were read, so times only grow: stop at the first too old.
      const time = await snapshot.timeAt(newline)
      if (tooOld(time)) break
      const previous = await scanner.newlineBefore(newline)
      if (time <= maxStamp) {
        const bytes = await scanner.bytes(previous + 1, newline)
        if (!grep || (await matches(grep, bytes))) found.push({time, stream, bytes, end: newline + 1})
      }
      newline = previous
    }
    return found.reverse()
  })
}

/** Finds newlines from the end towards the start, one block in memory at a time. */
export class BackwardScanner {
  private window: Buffer = Buffer.alloc(0)
  private windowStart = 0

  constructor(private readonly snapshot: StoreSnapshot) {}

  /** Global position of the last newline before `before`, or start - 1 when there is none. */
  async newlineBefore(before: number): Promise<number> {
    let position = before
    for (;;) {
      const start = await this.snapshot.reach(position - 1)
      if (position <= start) return start - 1
      if (!(this.windowStart < position && position <= this.windowStart + this.window.length)) await this.load(position)
      const at = this.window.lastIndexOf(NEWLINE, position - this.windowStart - 1)
      if (at !== -1) return this.windowStart + at
      position = this.windowStart
    }
  }

  /** A copy of bytes [from, to): from the window when it holds them, else read. */
  async bytes(from: number, to: number): Promise<Buffer> {
    const {windowStart, window} = this
    if (from >= windowStart && to <= windowStart + window.length) return Buffer.from(window.subarray(from - windowStart, to - windowStart))
    return this.snapshot.read(from, to - from)
  }

  private async load(end: number): Promise<void> {
    const start = Math.max(await this.snapshot.reach(end - BLOCK), end - BLOCK)
    this.window = await this.snapshot.read(start, end - start)
    this.windowStart = start
  }
}
