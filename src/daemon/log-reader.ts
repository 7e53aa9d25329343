// Reading stored output in its one order — by stamp, then source, then
// position (src/api/cursor.ts) — from a point in that order onwards: what
// `logs --after CURSOR` and `logs -f` hand out. Each source (an instance's
// stdout or stderr) keeps where its next line begins; the reader takes the
// chunk with the smallest stamp among all sources' next chunks, but only
// once the daemon's stamp clock says nothing earlier is still being written
// (stores write concurrently). So a reader that stops after any line has
// been handed everything before it and nothing after it: a cursor of that
// line resumes exactly there, on this daemon or the next.
import {compareLogPositions, type LogPosition, type LogSource} from '../api/cursor.js'
import {chunksAfter, positionAfter, readLinesFrom, type StoredLine, type StreamName} from './logs/index.js'
import type {StampClock} from './logs/stamp-clock.js'
import type {IndexRecord} from './logs/index-record.js'

export interface Source extends LogSource {
  host: string
  dir: string
}

interface Reading {
  source: Source
  /** Where the next line begins (a global position). */
  cursor: number
  /** Chunks up to here are handed out (a line may go on past it). */
  readTo: number
  /** The next chunks on disk, oldest first, as far as known. */
  ahead: IndexRecord[]
  /** Known to have nothing more on disk until told of a new chunk. */
  idle: boolean
  /** Counts the chunks it was told of: a look at the disk that began before one cannot call it idle. */
  told: number
}

const sourceKey = (s: LogSource) => `${s.stack}\u0000${s.instance}\u0000${s.stream}`
/** Less than the smallest step between two stamps: `latest + STAMP_STEP` passes `latest` and nothing after it. */
const STAMP_STEP = 0.0005
/** Bytes read at a time from one source. */
const BATCH_BYTES = 1024 * 1024

export interface Delivery {
  source: Source
  line: StoredLine
}

export class LogReader {
  private readonly readings = new Map<string, Reading>()
  /**
   * Why the last step handed nothing out: `pending`, an earlier stamp is still
   * being written (wait for the clock); `newer`, the first chunk came after
   * the step began (try again at once: it is known now); `nothing` to read.
   */
  blocked: 'pending' | 'newer' | 'nothing' = 'nothing'
  /** Sources being positioned: nothing is handed out before they are, or a new source's first lines could come out of order. */
  private readonly positioning = new Set<Promise<void>>()

  constructor(
    private readonly stamps: StampClock,
    /** The point the reader starts after: a line's position, or a bare stamp. */
    private readonly after: LogPosition,
  ) {}

  has(source: LogSource): boolean {
    return this.readings.has(sourceKey(source))
  }

  /** Begin reading a source where the reader's starting point says. */
  add(source: Source): Promise<void> {
    const adding = this.position(source)
    this.positioning.add(adding)
    void adding.finally(() => this.positioning.delete(adding)).catch(() => {})
    return adding
  }

  private async position(source: Source): Promise<void> {
    const key = sourceKey(source)
    if (this.readings.has(key)) return
    const {after} = this
    let cursor: number
    if (after.at && sourceKey(after.at) === key) cursor = after.at.end
    else {
      // Lines of the starting point's own stamp come after it only for sources that sort after its source.
      const sameStampAfter = after.at !== undefined && key > sourceKey(after.at)
      cursor = await positionAfter(source.dir, source.stream as StreamName, (stamp) => stamp < after.stamp || (stamp === after.stamp && !sameStampAfter))
    }
    if (!this.readings.has(key)) this.readings.set(key, {source, cursor, readTo: cursor, ahead: [], idle: false, told: 0})
  }

  /** A chunk of this source was stored: look at its disk again. */
  stored(source: LogSource): void {
    const reading = this.readings.get(sourceKey(source))
    if (!reading) return
    reading.idle = false
    reading.told++
  }

  /** The next chunk of a source beyond what was handed out, from disk when not known. */
  private async next(reading: Reading): Promise<IndexRecord | undefined> {
    while (reading.ahead.length > 0 && reading.ahead[0]!.globalStart + reading.ahead[0]!.length <= reading.readTo) reading.ahead.shift()
    if (reading.ahead.length === 0 && !reading.idle) {
      const told = reading.told
      reading.ahead = await chunksAfter(reading.source.dir, reading.source.stream as StreamName, reading.readTo)
      reading.idle = reading.ahead.length === 0 && reading.told === told
    }
    return reading.ahead[0]
  }

  /**
   * Hand out the next run of lines in order: those of the source whose next
   * chunk comes first, up to where another source's (or an unwritten stamp)
   * would come between. `final`: the programs have ended and nothing more is
   * being written — a last line without its newline comes too.
   * Returns null when nothing can be handed out now.
   */
  async step(final = false): Promise<{lines: Delivery[]; skipped: {source: Source; bytes: number} | null} | null> {
    while (this.positioning.size > 0) await Promise.all(this.positioning)
    // Before looking at the disk: every chunk stamped below `low` and at most `latest` is written by now,
    // so what the look finds includes all of them. Chunks stamped later may be there too, or not yet: they wait.
    const pendingBelow = this.stamps.low()
    const low = final ? Number.POSITIVE_INFINITY : Math.min(pendingBelow, this.stamps.latest() + STAMP_STEP)
    const candidates: Array<{reading: Reading; chunk: IndexRecord}> = []
    for (const reading of this.readings.values()) {
      const chunk = await this.next(reading)
      if (chunk) candidates.push({reading, chunk})
    }
    const at = (c: {reading: Reading; chunk: IndexRecord}): LogPosition => ({stamp: c.chunk.timeMs, at: {...c.reading.source, end: c.chunk.globalStart + c.chunk.length}})
    candidates.sort((a, b) => compareLogPositions(at(a), at(b)))
    const first = candidates[0]
    this.blocked = 'nothing'
    if (!first) return final ? this.partials() : null
    // Nothing earlier may still be on its way to the disk.
    if (first.chunk.timeMs >= low) {
      this.blocked = first.chunk.timeMs >= pendingBelow ? 'pending' : 'newer'
      return null
    }
    const second = candidates[1]
    const limit = Math.min(low, second ? second.chunk.timeMs : Number.POSITIVE_INFINITY)
    // This source's chunks that come before anything else's: one read.
    const {reading} = first
    let until = first.chunk.globalStart + first.chunk.length
    for (const chunk of reading.ahead.slice(1)) {
      if (chunk.timeMs >= limit || chunk.globalStart !== until || chunk.globalStart + chunk.length - reading.cursor > BATCH_BYTES) break
      until = chunk.globalStart + chunk.length
    }
    const from = reading.cursor
    const read = await readLinesFrom(reading.source.dir, reading.source.stream as StreamName, from, BATCH_BYTES, false, until)
    const skipped = read.skipped > 0 ? {source: reading.source, bytes: read.skipped} : null
    reading.cursor = read.next
    // Read whole (or no line ends in it): its chunks are done. Read in part (a batch's worth): up to the last line.
    reading.readTo = Math.max(reading.readTo, until - from <= BATCH_BYTES || read.lines.length === 0 ? until : read.next)
    return {lines: read.lines.map((line) => ({source: reading.source, line})), skipped}
  }

  /** The programs have ended: each source's last line that has no newline, in source order. */
  private async partials(): Promise<{lines: Delivery[]; skipped: null} | null> {
    const lines: Delivery[] = []
    const readings = [...this.readings.values()].sort((a, b) => (sourceKey(a.source) < sourceKey(b.source) ? -1 : 1))
    for (const reading of readings) {
      const read = await readLinesFrom(reading.source.dir, reading.source.stream as StreamName, reading.cursor, BATCH_BYTES, true)
      reading.cursor = read.next
      reading.readTo = Math.max(reading.readTo, read.next)
      for (const line of read.lines) lines.push({source: reading.source, line})
    }
    return lines.length > 0 ? {lines, skipped: null} : null
  }
}
