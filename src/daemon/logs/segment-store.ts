// One stream's time index: which ranges of the log file the child writes
// belong to which segment, when each range was seen, rotation at line
// boundaries, and recovery of exact positions after a crash.
//
// The bytes are never copied: the child's own file holds them, and a
// segment is a range of it described by its index file. Rotation moves
// index files; a dropped segment's bytes are given back to the disk one
// rotation later (a hole punched through `onDrop`), so a reader that took
// its snapshot just before the drop can still read what it saw.
//
// Exactly-once rests on one ordering: a record is written only after its
// bytes are in the log file (the child put them there). After kill -9 a
// torn last record is cut off, and indexing resumes where the last whole
// record ended. Nothing indexed twice, nothing skipped.
import {constants, writeSync} from 'node:fs'
import {open, rename, type FileHandle} from 'node:fs/promises'
import {decodeRecord, encodeRecord, RECORD_SIZE, recordEnd, type IndexRecord} from './index-record.js'
import {indexPath, type StreamName} from './layout.js'
import {dropBeyond, repairSlots, shiftSegments} from './rotation.js'
import {SegmentIndex} from './segment-index.js'

const OPEN_RW = constants.O_RDWR | constants.O_CREAT
/** A line longer than max_size may grow a segment, up to this much more. */
const FORCE_SLACK = 1024 * 1024

export interface StoreOptions {
  maxSize: number
  keep: number
}

/** Reads the log file where the store must find a line end. */
export interface RawBytes {
  /** Offset of the first newline in [from, to) of the log file, or -1. */
  newlineIn(from: number, to: number): Promise<number>
}

/** Bytes of the log file before `rawTo` are no longer part of any kept segment. */
export type DropListener = (rawTo: number) => void

export class SegmentStore {
  /** Global position just after the last indexed byte (never goes back, across rotations and resets). */
  end = 0
  /** Offset in the log file just after the last indexed byte. */
  rawPos = 0
  /** The stamp of the last record found on disk when opened (0: none). */
  lastStamp = 0
  private idx: FileHandle | undefined
  /** A store in a new directory creates its index only when its first bytes arrive. */
  private createOnWrite = false
  private segSize = 0
  private idxSize = 0
  /** The current segment reached max_size at a line end: rotate before the next bytes. */
  private full = false
  private readonly record = Buffer.allocUnsafe(RECORD_SIZE)

  constructor(
    private readonly dir: string,
    private readonly stream: StreamName,
    private readonly options: StoreOptions,
    private readonly onDrop: DropListener = () => {},
  ) {
    if (!(options.maxSize >= 1)) throw new RangeError(`log max size must be at least 1 byte (got ${options.maxSize})`)
    if (!(options.keep >= 0)) throw new RangeError(`log keep must be 0 or more (got ${options.keep})`)
  }

  /**
   * `fresh`: the directory was just created, so there is nothing to recover
   * and nothing to create until output arrives — `mar up` of 200 instances
   * of a quiet program then costs no index files and no scan.
   */
  async open(raw: RawBytes, fresh = false): Promise<void> {
    if (this.idx || this.createOnWrite) return
    if (fresh) {
      this.createOnWrite = true
      return
    }
    const {dir, stream, options} = this
    await repairSlots(dir, stream)
    this.idx = await open(indexPath(dir, stream, 0), OPEN_RW, 0o600)
    const idxBytes = (await this.idx.stat()).size
    const index = new SegmentIndex(this.idx, Math.floor(idxBytes / RECORD_SIZE))
    this.idxSize = index.count * RECORD_SIZE
    // A record torn by kill -9: its range is indexed again from the log file.
    if (this.idxSize !== idxBytes) await this.idx.truncate(this.idxSize)
    if (index.count > 0) {
      const first = await index.get(0)
      const last = await index.get(index.count - 1)
      this.resumeAfter(last)
      this.segSize = recordEnd(last) - first.globalStart
    } else {
      const previous = await lastRecordOf(dir, stream, 1)
      if (previous) {
        this.resumeAfter(previous)
        // Make the current segment say where it starts, so later it needs no rotated one for that.
        await this.writeRecord({globalStart: this.end, rawStart: this.rawPos, length: 0, timeMs: previous.timeMs})
      }
    }
    this.full = this.segSize >= options.maxSize && this.rawPos > 0 && (await raw.newlineIn(this.rawPos - 1, this.rawPos)) !== -1
    await dropBeyond(dir, stream, options.keep)
  }

  /** Index `length` bytes the child wrote at `rawStart`, rotating at line boundaries. */
  async append(rawStart: number, length: number, timeMs: number, raw: RawBytes): Promise<void> {
    const {maxSize} = this.options
    const hardLimit = 2 * maxSize + FORCE_SLACK
    let offset = 0
    while (offset < length) {
      if (this.full || this.segSize >= hardLimit) await this.rotate(timeMs)
      const at = rawStart + offset
      let take = length - offset
      let closes = false
      if (this.segSize + take >= maxSize) {
        // Close the segment right after the first newline that brings it to max_size.
        const limit = at + Math.min(take, hardLimit - this.segSize)
        const newline = await raw.newlineIn(at + Math.max(0, maxSize - this.segSize - 1), limit)
        if (newline !== -1) {
          take = newline + 1 - at
          closes = true
        } else {
          take = limit - at
        }
      }
      await this.createIndex()
      await this.writeRecord({globalStart: this.end, rawStart: at, length: take, timeMs})
      this.segSize += take
      this.end += take
      this.rawPos = at + take
      this.full = closes
      offset += take
    }
  }

  /**
   * The log file was replaced or truncated (by hand): the bytes indexed so
   * far are gone, so every segment goes, and indexing starts again at its
   * offset 0. Global positions go on growing, so no reader's cursor repeats.
   */
  async reset(timeMs: number): Promise<void> {
    const {dir, stream} = this
    await this.close()
    // Rotated indexes first: left beside a fresh current one they would describe bytes of the old file.
    await dropBeyond(dir, stream, 0)
    this.rawPos = 0
    await this.replaceCurrent(timeMs)
  }

  async close(): Promise<void> {
    this.createOnWrite = false
    const idx = this.idx
    this.idx = undefined
    await idx?.close()
  }

  private resumeAfter(record: IndexRecord): void {
    this.lastStamp = record.timeMs
    this.end = recordEnd(record)
    this.rawPos = record.rawStart + record.length
  }

  private async createIndex(): Promise<void> {
    if (!this.createOnWrite) return
    this.idx = await open(indexPath(this.dir, this.stream, 0), OPEN_RW, 0o600)
    this.createOnWrite = false
  }

  /**
   * Synchronous on purpose: 32 bytes into the page cache cost less than a
   * round trip through libuv's thread pool.
   */
  private async writeRecord(record: IndexRecord): Promise<void> {
    const bytes = encodeRecord(record, this.record)
    let done = 0
    try {
      while (done < RECORD_SIZE) done += writeSync(this.idx!.fd, bytes, done, RECORD_SIZE - done, this.idxSize + done)
    } catch (error) {
      // Disk full or the like: cut the torn record, so the next pump indexes the same bytes again.
      if (done > 0) await this.idx!.truncate(this.idxSize).catch(() => {})
      throw error
    }
    this.idxSize += RECORD_SIZE
  }

  private async rotate(timeMs: number): Promise<void> {
    const {dir, stream, options} = this
    if (options.keep > 0) {
      const dropped = await firstRecordOf(dir, stream, options.keep)
      await this.close()
      await shiftSegments(dir, stream, options.keep)
      this.idx = await open(indexPath(dir, stream, 0), OPEN_RW | constants.O_TRUNC, 0o600)
      this.idxSize = 0
      this.segSize = 0
      if (dropped) this.onDrop(dropped.rawStart)
    } else {
      const dropped = this.idxSize > 0 ? decodeRecord(await readRecord(this.idx!, 0)) : undefined
      await this.close()
      await this.replaceCurrent(timeMs)
      if (dropped) this.onDrop(dropped.rawStart)
    }
    this.full = false
  }

  /** Nothing kept before `rawPos`, but positions must survive: replace the index with one saying where the next segment starts. */
  private async replaceCurrent(timeMs: number): Promise<void> {
    const current = indexPath(this.dir, this.stream, 0)
    this.idx = await open(`${current}.new`, OPEN_RW | constants.O_TRUNC, 0o600)
    this.idxSize = 0
    this.segSize = 0
    this.full = false
    await this.writeRecord({globalStart: this.end, rawStart: this.rawPos, length: 0, timeMs})
    await rename(`${current}.new`, current)
  }
}

async function readRecord(file: FileHandle, i: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(RECORD_SIZE)
  const {bytesRead} = await file.read(buffer, 0, RECORD_SIZE, i * RECORD_SIZE)
  if (bytesRead < RECORD_SIZE) throw new Error('time index shorter than expected')
  return buffer
}

async function recordOf(dir: string, stream: StreamName, slot: number, which: 'first' | 'last'): Promise<IndexRecord | undefined> {
  let file: FileHandle
  try {
    file = await open(indexPath(dir, stream, slot), 'r')
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

const lastRecordOf = (dir: string, stream: StreamName, slot: number) => recordOf(dir, stream, slot, 'last')
const firstRecordOf = (dir: string, stream: StreamName, slot: number) => recordOf(dir, stream, slot, 'first')
