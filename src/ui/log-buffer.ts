// The log pane's memory: a bounded run of lines in the daemon's one order
// (src/api/cursor.ts), which the pane appends to from its live stream and
// prepends to when the user scrolls back into stored history, and from
// which only the rows that fit the pane are ever cut (the virtual window).
// Pure: no I/O, no rendering; the pane owns the streams.
//
// Paging back. The protocol reads forwards only: `after: CURSOR` gives the
// lines after a point, and without it `lines: N` gives the last N. So an
// older page is read as "the last size + page lines" (follow off) and the
// lines before our first one are kept: compared by position (cursors
// decode to the order the daemon hands lines out in), so a line is never
// shown twice and lines written meanwhile at the tail are simply skipped.
// A re-read that returns fewer lines than asked for means the store has
// nothing older. Lines are identified by `seq`, a number that grows towards
// newer lines (prepending counts down), so a scroll position survives
// lines coming and going at either end.
import {compareLogPositions, decodeCursor, type LogPosition} from '../api/cursor.js'
import type {LogLine, LogsParams} from '../api/protocol.js'

export const DEFAULT_CAPACITY = 10_000

interface Entry {
  seq: number
  line: LogLine
  position?: LogPosition | null
}

/** Where the view stands: the line at its bottom row, and how many rows of that line (wrapped) lie below the view. */
export interface ScrollPos {
  seq: number
  rowsBelow: number
}

export interface ViewOptions {
  /** Rows of the pane given to lines. */
  height: number
  /** Columns for a line's text (the pane's width less its prefix). */
  textWidth: number
  wrap: boolean
  stderrOnly: boolean
}

/** One row on screen: a line, or (wrapped) a slice [start, end) of one. */
export interface WindowRow {
  seq: number
  line: LogLine
  start: number
  end: number
  /** The line's first row (where its prefix goes). */
  first: boolean
}

export interface LogWindow {
  rows: WindowRow[]
  /** Nothing in the buffer above the view (older history may still be in the store: hasOlder). */
  atTop: boolean
  /** The newest line's last row is shown. */
  atBottom: boolean
}

export type Direction = 'older' | 'newer'

export class LogBuffer {
  private entries: Entry[] = []
  private nextSeq = 0
  /** The store may hold lines older than the first one here (false once a page back came back short). */
  hasOlder = true
  /** Lines newer than the last one here were let go (paging back past capacity): the tail must be read again. */
  tailDropped = false
  /** Bumped on every change, for whoever memoises on the buffer. */
  version = 0

  constructor(readonly capacity: number = DEFAULT_CAPACITY) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be at least 1')
  }

  get size(): number {
    return this.entries.length
  }
  get firstCursor(): string | null {
    return this.entries[0]?.line.cursor ?? null
  }
  get lastCursor(): string | null {
    return this.entries.at(-1)?.line.cursor ?? null
  }
  get firstSeq(): number | null {
    return this.entries[0]?.seq ?? null
  }
  get lastSeq(): number | null {
    return this.entries.at(-1)?.seq ?? null
  }

  /** The line with this seq, if still held. */
  get(seq: number): LogLine | undefined {
    const index = this.indexOf(seq)
    return index === null ? undefined : this.entries[index]!.line
  }

  /** Every line held, oldest first (for tests and small buffers). */
  lines(): LogLine[] {
    return this.entries.map((e) => e.line)
  }

  clear(): void {
    this.entries = []
    this.hasOlder = true
    this.tailDropped = false
    this.version++
  }

  /**
   * New lines from the live stream, in order. Ignored while the tail was let go (they do not join
   * what is held). Lines at or before the last one held are dropped (a resumed stream may repeat).
   * The oldest lines beyond capacity are let go. Returns how many were taken.
   */
  append(lines: readonly LogLine[]): number {
    if (this.tailDropped || lines.length === 0) return 0
    let from = 0
    const last = this.entries.at(-1)
    if (last) {
      const lastPos = positionOf(last)
      while (from < lines.length && (lines[from]!.cursor === last.line.cursor || (lastPos && comparePos(lines[from]!, lastPos) <= 0))) from++
    }
    if (from === lines.length) return 0
    for (let i = from; i < lines.length; i++) this.entries.push({seq: this.nextSeq++, line: lines[i]!})
    if (this.entries.length > this.capacity) {
      this.entries = this.entries.slice(this.entries.length - this.capacity)
      this.hasOlder = true
    }
    this.version++
    return lines.length - from
  }

  /**
   * A re-read of the store's last lines (see the top of the file): the lines before the first one
   * held are put in front, in order. `exhausted`: the re-read returned fewer lines than asked, so
   * nothing is older. Beyond capacity the newest lines are let go (tailDropped). Returns how many
   * were added.
   */
  prepend(lines: readonly LogLine[], exhausted: boolean): number {
    const first = this.entries[0]
    let older: readonly LogLine[] = lines
    if (first) {
      const firstPos = positionOf(first)
      const seen = new Set(this.entries.length < 50_000 ? this.entries.map((e) => e.line.cursor) : [])
      older = lines.filter((l) => !seen.has(l.cursor) && (firstPos ? comparePos(l, firstPos) < 0 : false))
    }
    if (exhausted) this.hasOlder = false
    if (older.length === 0) {
      if (exhausted) this.version++
      return 0
    }
    let seq = first ? first.seq : this.nextSeq
    const added: Entry[] = new Array(older.length)
    for (let i = older.length - 1; i >= 0; i--) added[i] = {seq: --seq, line: older[i]!}
    if (!first) this.nextSeq = seq + older.length
    this.entries = [...added, ...this.entries]
    if (this.entries.length > this.capacity) {
      this.entries.length = this.capacity
      this.nextSeq = this.entries.at(-1)!.seq + 1
      this.tailDropped = true
    }
    this.version++
    return older.length
  }

  /** The index of a seq, or null when it is not held. */
  private indexOf(seq: number): number | null {
    const first = this.entries[0]
    if (!first) return null
    const index = seq - first.seq
    return index >= 0 && index < this.entries.length ? index : null
  }

  private passes(index: number, options: ViewOptions): boolean {
    return !options.stderrOnly || this.entries[index]!.line.stream === 'stderr'
  }

  /** The nearest shown line at or before index (after it when none is), or -1. */
  private shownNear(index: number, options: ViewOptions): number {
    for (let i = Math.min(index, this.entries.length - 1); i >= 0; i--) if (this.passes(i, options)) return i
    for (let i = Math.max(index + 1, 0); i < this.entries.length; i++) if (this.passes(i, options)) return i
    return -1
  }

  private step(index: number, direction: Direction, options: ViewOptions): number {
    const delta = direction === 'older' ? -1 : 1
    for (let i = index + delta; i >= 0 && i < this.entries.length; i += delta) if (this.passes(i, options)) return i
    return -1
  }

  private rowsOf(index: number, options: ViewOptions): number {
    return options.wrap ? rowCount(this.entries[index]!.line.line, options.textWidth) : 1
  }

  /** Where the view stands at the bottom: the newest shown line, its last row. */
  bottom(options: ViewOptions): ScrollPos | null {
    const index = this.shownNear(this.entries.length - 1, options)
    return index < 0 ? null : {seq: this.entries[index]!.seq, rowsBelow: 0}
  }

  /** The position whose view starts at the oldest line held. */
  top(options: ViewOptions): ScrollPos | null {
    const first = this.shownNear(0, options)
    if (first < 0) return null
    const rows = this.rowsOf(first, options)
    const seq = this.entries[first]!.seq
    if (rows >= options.height) return {seq, rowsBelow: rows - Math.max(1, options.height)}
    return this.scroll({seq, rowsBelow: rows - 1}, -(options.height - rows), options, false)
  }

  /** The anchor as an index and rows below, valid for these options (null: bottom). */
  private resolve(pos: ScrollPos | null, options: ViewOptions): {index: number; below: number} | null {
    const bottomIndex = this.shownNear(this.entries.length - 1, options)
    if (bottomIndex < 0) return null
    if (pos === null) return {index: bottomIndex, below: 0}
    const first = this.entries[0]!
    if (pos.seq < first.seq) return {index: this.shownNear(0, options), below: 0}
    const index = this.shownNear(Math.min(pos.seq - first.seq, this.entries.length - 1), options)
    const exact = this.entries[index]!.seq === pos.seq
    return {index, below: exact ? Math.min(pos.rowsBelow, this.rowsOf(index, options) - 1) : 0}
  }

  /** Keep the view from starting below the oldest line: with fewer rows above than the pane has, move down. */
  private clampTop(pos: ScrollPos, options: ViewOptions): ScrollPos | null {
    const at = this.resolve(pos, options)
    if (!at) return null
    // Rows from the top of the buffer to the anchor's bottom row, counted up to the pane's height.
    let rows = this.rowsOf(at.index, options) - at.below
    for (let i = this.step(at.index, 'older', options); i >= 0 && rows < options.height; i = this.step(i, 'older', options)) rows += this.rowsOf(i, options)
    if (rows >= options.height) return pos
    return this.scroll(pos, -(options.height - rows), options, false)
  }

  /**
   * Move the view by `rows`: positive towards older lines (up), negative towards newer (down).
   * Never past the oldest line held; down to the newest line's last row at most.
   */
  scroll(pos: ScrollPos | null, rows: number, options: ViewOptions, clamp = true): ScrollPos | null {
    const at = this.resolve(pos, options)
    if (!at) return null
    let {index, below} = at
    let remaining = Math.abs(Math.trunc(rows))
    if (rows > 0) {
      while (remaining > 0) {
        const above = this.rowsOf(index, options) - 1 - below
        if (remaining <= above) {
          below += remaining
          break
        }
        remaining -= above + 1
        const older = this.step(index, 'older', options)
        if (older < 0) {
          below = this.rowsOf(index, options) - 1
          break
        }
        index = older
        below = 0
      }
      const moved = {seq: this.entries[index]!.seq, rowsBelow: below}
      return clamp ? this.clampTop(moved, options) : moved
    }
    while (remaining > 0) {
      if (remaining <= below) {
        below -= remaining
        break
      }
      remaining -= below + 1
      const newer = this.step(index, 'newer', options)
      if (newer < 0) {
        below = 0
        break
      }
      index = newer
      below = this.rowsOf(index, options) - 1
    }
    return {seq: this.entries[index]!.seq, rowsBelow: below}
  }

  /** The rows that fit the pane with its bottom row at `pos` (null: the bottom). Only these rows are cut. */
  window(pos: ScrollPos | null, options: ViewOptions): LogWindow {
    const height = Math.max(0, options.height)
    const clamped = pos === null ? null : this.clampTop(pos, options)
    const at = this.resolve(clamped, options)
    if (!at || height === 0) return {rows: [], atTop: true, atBottom: true}
    const rows: WindowRow[] = []
    let index = at.index
    let skip = at.below
    let topIndex = index
    while (rows.length < height && index >= 0) {
      const cut = this.rowsOfLine(index, options)
      for (let r = cut.length - 1 - skip; r >= 0 && rows.length < height; r--) rows.push(cut[r]!)
      topIndex = index
      skip = 0
      index = this.step(index, 'older', options)
    }
    rows.reverse()
    const atTop = rows[0]!.first && this.step(topIndex, 'older', options) < 0
    const newest = this.shownNear(this.entries.length - 1, options)
    const atBottom = this.entries[at.index]!.seq === this.entries[newest]!.seq && at.below === 0
    return {rows, atTop, atBottom}
  }

  /** One line's rows, cut to the text width when wrapping. */
  private rowsOfLine(index: number, options: ViewOptions): WindowRow[] {
    const {seq, line} = this.entries[index]!
    const text = line.line
    if (!options.wrap) return [{seq, line, start: 0, end: text.length, first: true}]
    const width = Math.max(1, options.textWidth)
    const rows: WindowRow[] = []
    for (let start = 0; start < text.length || rows.length === 0; start += width) rows.push({seq, line, start, end: Math.min(text.length, start + width), first: start === 0})
    return rows
  }

  /**
   * The next shown line holding `query` (plain text, any case), from the line `from` (exclusive;
   * null: from the newest when looking older, the oldest when looking newer). Null when none.
   */
  find(query: string, from: number | null, direction: Direction, options: ViewOptions): number | null {
    if (query === '' || this.entries.length === 0) return null
    const needle = query.toLowerCase()
    const first = this.entries[0]!.seq
    let index = from === null ? (direction === 'older' ? this.entries.length : -1) : from - first
    index = Math.max(-1, Math.min(this.entries.length, index))
    const delta = direction === 'older' ? -1 : 1
    for (let i = index + delta; i >= 0 && i < this.entries.length; i += delta) {
      if (this.passes(i, options) && this.entries[i]!.line.line.toLowerCase().includes(needle)) return this.entries[i]!.seq
    }
    return null
  }

  /** A position that shows the line `seq` in the middle of the pane (its first row). */
  center(seq: number, options: ViewOptions): ScrollPos | null {
    const index = this.indexOf(seq)
    if (index === null) return null
    const pos = {seq, rowsBelow: this.rowsOf(index, options) - 1}
    return this.clampTop(this.scroll(pos, -Math.floor((options.height - 1) / 2), options, false)!, options)
  }
}

/** Rows a line takes when wrapped to `width` columns (one column per UTF-16 unit: the pane truncates anything wider). */
export function rowCount(text: string, width: number): number {
  return Math.max(1, Math.ceil(text.length / Math.max(1, width)))
}

function positionOf(entry: Entry): LogPosition | null {
  if (entry.position === undefined) entry.position = decodeOrNull(entry.line.cursor)
  return entry.position
}

function decodeOrNull(cursor: string): LogPosition | null {
  try {
    return decodeCursor(cursor)
  } catch {
    return null
  }
}

/** A line against a position; a line whose cursor does not decode counts as after it. */
function comparePos(line: LogLine, position: LogPosition): number {
  const own = decodeOrNull(line.cursor)
  return own ? compareLogPositions(own, position) : 1
}

/**
 * Where `query` (plain text, any case) starts in `text`, every occurrence, for highlighting.
 * (Folding case changes the length of a very few letters, like the Turkish dotted I; in a line
 * holding one, highlights after it may sit a column off. Finding the line is unaffected.)
 */
export function matchPositions(text: string, query: string): number[] {
  if (query === '') return []
  const hay = text.toLowerCase()
  const needle = query.toLowerCase()
  const found: number[] = []
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + Math.max(1, needle.length))) found.push(at)
  return found
}

/** The request that reads one more page of history before what the buffer holds (see the top of the file). */
export function olderPageParams(base: LogsParams, buffer: LogBuffer, page: number): LogsParams {
  const {after: _after, ...rest} = base
  return {...rest, follow: false, lines: Math.min(1_000_000, buffer.size + page)}
}
