// One stream's store: the current segment and its time index, rotation at
// line boundaries, and recovery of exact positions after a crash.
//
// Exactly-once rests on one ordering: a chunk's index record is written
// before its data. After kill -9 the last record may lack (part of) its
// data; `open` drops that record and cuts the segment back to where it
// began, and reading resumes in the raw file where the last complete
// record ended. Nothing stored twice, nothing skipped.
import {constants, writeSync} from 'node:fs'
import {open, rename, type FileHandle} from 'node:fs/promises'
import {encodeRecord, RECORD_SIZE, recordEnd, type IndexRecord} from './index-record.js'
import {indexPath, segmentPath, type StreamName} from './layout.js'
import {dropBeyond, repairSlots, shiftSegments} from './rotation.js'
import {SegmentIndex} from './segment-index.js'

const OPEN_RW = constants.O_RDWR | constants.O_CREAT
const NEWLINE = 10
/** A line longer than max_size may grow a segment, up to this much more. */
const FORCE_SLACK = 1024 * 1024

export interface StoreOptions {
  maxSize: number
  keep: number
}

export class SegmentStore {
  /** Global position just after the last stored byte. */
  end = 0
  /** Where to read next in the raw file. */
  rawPos = 0
  /** Whether the last stored byte ended a line. */
  atLineStart = true
  private log: FileHandle | undefined
  private idx: FileHandle | undefined
  /** A store in a new directory creates its files only when its first bytes arrive. */
  private createOnWrite = false
  private segSize = 0
  private idxSize = 0
  private readonly record = Buffer.allocUnsafe(RECORD_SIZE)

  constructor(
    private readonly dir: string,
    private readonly stream: StreamName,
    private readonly options: StoreOptions,
  ) {
    if (!(options.maxSize >= 1)) throw new RangeError(`log max size must be at least 1 byte (got ${options.maxSize})`)
    if (!(options.keep >= 0)) throw new RangeError(`log keep must be 0 or more (got ${options.keep})`)
  }

  /**
   * `fresh`: the directory was just created, so there is nothing to recover
   * and nothing to create until output arrives — `mar up` of 200 instances
   * of a quiet program then costs 2 files per instance, not 7 and a scan.
   */
  async open(fresh = false): Promise<void> {
    if (this.log || this.createOnWrite) return
    if (fresh) {
      this.createOnWrite = true
      return
    }
    const {dir, stream, options} = this
    await repairSlots(dir, stream, options.keep)
    // Index before segment, as rotation creates them: a segment never exists without its index.
    this.idx = await open(indexPath(dir, stream, 0), OPEN_RW, 0o600)
    this.log = await open(segmentPath(dir, stream, 0), OPEN_RW, 0o600)
    const idxBytes = (await this.idx.stat()).size
    const logBytes = (await this.log.stat()).size
    let index = new SegmentIndex(this.idx, Math.floor(idxBytes / RECORD_SIZE))
    const first = index.count > 0 ? await index.get(0) : undefined
    let last: IndexRecord | undefined
    while (first && index.count > 0) {
      last = await index.get(index.count - 1)
      if (recordEnd(last) - first.globalStart <= logBytes) break
      last = undefined // its data never made it: store it again from the raw file
      index = index.limit(index.count - 1)
    }
    this.idxSize = index.count * RECORD_SIZE
    if (this.idxSize !== idxBytes) await this.idx.truncate(this.idxSize)
    this.segSize = first && last ? recordEnd(last) - first.globalStart : 0
    if (this.segSize !== logBytes) await this.log.truncate(this.segSize)
    if (last) {
      this.resumeAfter(last)
      if (this.segSize > 0) this.atLineStart = (await this.byteAt(this.segSize - 1)) === NEWLINE
    } else {
      const previous = await lastRecordOf(dir, stream, 1)
      if (previous) {
        this.resumeAfter(previous)
        // Make the current segment say where it starts, so later it needs no rotated one for that.
        await this.writeRecord({globalStart: this.end, rawStart: this.rawPos, length: 0, timeMs: previous.timeMs})
      }
    }
    await dropBeyond(dir, stream, options.keep)
  }

  /** Store a chunk read at `rawStart` in the raw file, rotating at line boundaries. */
  async append(chunk: Buffer, rawStart: number, timeMs: number): Promise<void> {
    const {maxSize} = this.options
    const hardLimit = 2 * maxSize + FORCE_SLACK
    let offset = 0
    while (offset < chunk.length) {
      if (this.segSize >= maxSize && (this.atLineStart || this.segSize >= hardLimit)) await this.rotate(timeMs)
      let take = chunk.length - offset
      if (this.segSize + take >= maxSize) {
        // Cut right after the first newline that brings the segment to max_size.
        const newline = chunk.indexOf(NEWLINE, offset + Math.max(0, maxSize - this.segSize - 1))
        if (newline !== -1) take = newline + 1 - offset
        if (this.segSize + take > hardLimit) take = hardLimit - this.segSize
      }
      await this.writeChunk(chunk.subarray(offset, offset + take), rawStart + offset, timeMs)
      offset += take
    }
  }

  async close(): Promise<void> {
    this.createOnWrite = false
    const [log, idx] = [this.log, this.idx]
    this.log = this.idx = undefined
    await log?.close()
    await idx?.close()
  }

  private resumeAfter(record: IndexRecord): void {
    this.end = recordEnd(record)
    this.rawPos = record.rawStart + record.length
  }

  private async createFiles(): Promise<void> {
    if (!this.createOnWrite) return
    // Index before segment, as rotation creates them: a segment never exists without its index.
    this.idx = await open(indexPath(this.dir, this.stream, 0), OPEN_RW, 0o600)
    this.log = await open(segmentPath(this.dir, this.stream, 0), OPEN_RW, 0o600)
    this.createOnWrite = false
  }

  private async writeChunk(data: Buffer, rawStart: number, timeMs: number): Promise<void> {
    await this.createFiles()
    const [idxBefore, segBefore] = [this.idxSize, this.segSize]
    try {
      await this.writeRecord({globalStart: this.end, rawStart, length: data.length, timeMs})
      await writeAll(this.log!, data, this.segSize)
    } catch (error) {
      // Disk full or the like: undo, so the next pump stores the same bytes again.
      this.idxSize = idxBefore
      this.segSize = segBefore
      await this.idx?.truncate(idxBefore).catch(() => {})
      await this.log?.truncate(segBefore).catch(() => {})
      throw error
    }
    this.segSize += data.length
    this.end += data.length
    this.rawPos = rawStart + data.length
    this.atLineStart = data[data.length - 1] === NEWLINE
  }

  /**
   * Synchronous on purpose: 32 bytes into the page cache cost less than a
   * round trip through libuv's thread pool, which per chunk was a tenth of
   * the daemon's CPU for a flood. The data write stays asynchronous.
   */
  private async writeRecord(record: IndexRecord): Promise<void> {
    const bytes = encodeRecord(record, this.record)
    let done = 0
    while (done < RECORD_SIZE) done += writeSync(this.idx!.fd, bytes, done, RECORD_SIZE - done, this.idxSize + done)
    this.idxSize += RECORD_SIZE
  }

  private async rotate(timeMs: number): Promise<void> {
    const {dir, stream, options} = this
    await this.close()
    if (options.keep > 0) {
      await shiftSegments(dir, stream, options.keep)
      this.idx = await open(indexPath(dir, stream, 0), OPEN_RW | constants.O_TRUNC, 0o600)
      this.log = await open(segmentPath(dir, stream, 0), OPEN_RW | constants.O_TRUNC, 0o600)
      this.idxSize = 0
    } else {
      // Nothing to keep, but the position must survive: first replace the index
      // with a record saying where the empty segment starts, then the segment.
      const fresh = `${indexPath(dir, stream, 0)}.new`
      this.idx = await open(fresh, OPEN_RW | constants.O_TRUNC, 0o600)
      this.idxSize = 0
      await this.writeRecord({globalStart: this.end, rawStart: this.rawPos, length: 0, timeMs})
      await rename(fresh, indexPath(dir, stream, 0))
      const segment = segmentPath(dir, stream, 0)
      const fresher = await open(`${segment}.new`, OPEN_RW | constants.O_TRUNC, 0o600)
      await rename(`${segment}.new`, segment)
      this.log = fresher
    }
    this.segSize = 0
    this.atLineStart = true
  }

  private async byteAt(position: number): Promise<number> {
    const one = Buffer.alloc(1)
    await this.log!.read(one, 0, 1, position)
    return one[0]!
  }
}

async function writeAll(file: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < data.length) {
    const {bytesWritten} = await file.write(data, done, data.length - done, position + done)
    done += bytesWritten
  }
}

/** The last record of rotated segment `slot`, if that segment exists. */
async function lastRecordOf(dir: string, stream: StreamName, slot: number): Promise<IndexRecord | undefined> {
  let file: FileHandle
  try {
    file = await open(indexPath(dir, stream, slot), 'r')
  } catch {
    return undefined
  }
  try {
    const index = await SegmentIndex.open(file)
    return index.count > 0 ? await index.get(index.count - 1) : undefined
  } finally {
    await file.close()
  }
}
