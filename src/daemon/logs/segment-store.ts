// One stream's plain log files and their time index: bytes copied from the
// spool are written to `out.log` (only the daemon writes it), each block
// then recorded in `out.idx` with its time and the spool position it came
// from; at the first line end past max_size the segment rotates by rename
// (rotation.ts), so every `out.log*` is plain text a reader can take as it is.
//
// Exactly-once rests on one ordering: a record is written only after its
// bytes are in `out.log`. After kill -9, `out.log` is cut back to what the
// index describes (bytes copied but not recorded go, a torn record too), and
// copying resumes from the spool position the last record ends at.
import {constants, writeSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {encodeRecord, RECORD_SIZE, recordEnd, type IndexRecord} from './index-record.js'
import {indexPath, logPath, nextIndexPath, type StreamName} from './layout.js'
import {dropBeyond, finishRotation, shiftSegments} from './rotation.js'
import {SegmentIndex} from './segment-index.js'

const OPEN_RW = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW
/** A line longer than max_size may grow a segment, up to this much more. */
const FORCE_SLACK = 1024 * 1024
const NEWLINE = 10

export interface StoreOptions {
  maxSize: number
  keep: number
}

export class SegmentStore {
  /** Global position just after the last indexed byte (never goes back, across rotations). */
  end = 0
  /** Spool position just after the last copied byte. */
  spoolPos = 0
  /** The stamp of the last record found on disk when opened (0: none). */
  lastStamp = 0
  /** Whether the stored stream ends with a newline (or is empty): the next bytes begin a line. */
  atLineStart = true
  private idx: FileHandle | undefined
  private log: FileHandle | undefined
  /** A store in a new directory creates its files only when its first bytes arrive. */
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
  ) {
    if (!(options.maxSize >= 1)) throw new RangeError(`log max size must be at least 1 byte (got ${options.maxSize})`)
    if (!(options.keep >= 0)) throw new RangeError(`log keep must be 0 or more (got ${options.keep})`)
  }

  /**
   * `fresh`: the directory was just created, so there is nothing to recover
   * and nothing to create until output arrives — `mar up` of 200 instances
   * of a quiet program then costs no files and no scan.
   */
  async open(fresh = false): Promise<void> {
    if (this.idx || this.createOnWrite) return
    if (fresh) {
      this.createOnWrite = true
      return
    }
    const {dir, stream, options} = this
    await finishRotation(dir, stream, options.keep)
    this.idx = await open(indexPath(dir, stream, 0), OPEN_RW, 0o600)
    const index = await SegmentIndex.open(this.idx)
    const log = await open(logPath(dir, stream, 0), OPEN_RW, 0o600)
    this.log = log
    const logSize = (await log.stat()).size
    // Records whose bytes are not all in out.log (only a crash of the machine loses written bytes): forget them.
    let count = index.count
    const first = count > 0 ? await index.get(0) : undefined
    while (count > 0 && recordEnd(await index.get(count - 1)) - first!.globalStart > logSize) count--
    // A torn record and bytes copied but not recorded go: they are copied again from the spool.
    this.idxSize = count * RECORD_SIZE
    await this.idx.truncate(this.idxSize)
    if (count > 0) {
      const last = await index.get(count - 1)
      this.resumeAfter(last)
      this.segSize = recordEnd(last) - first!.globalStart
    } else {
      // Make the current segment say where it starts, so later it needs no rotated one for that.
      const previous = first ?? (await lastRecordOf(dir, stream, 1))
      if (previous) this.resumeAfter(first ? {...first, length: 0} : previous)
      this.writeRecord({globalStart: this.end, rawStart: this.spoolPos, length: 0, timeMs: previous?.timeMs ?? 0})
      this.segSize = 0
    }
    if (logSize !== this.segSize) await log.truncate(this.segSize)
    this.atLineStart = this.segSize === 0 || (await lastByte(log, this.segSize)) === NEWLINE
    this.full = this.segSize >= options.maxSize && this.atLineStart
    await dropBeyond(dir, stream, options.keep)
  }

  /** Store `data`, which the spool holds at `spoolStart`: into out.log, then the index; rotating at line ends. */
  async append(data: Buffer, spoolStart: number, timeMs: number): Promise<void> {
    const {maxSize} = this.options
    const hardLimit = 2 * maxSize + FORCE_SLACK
    let offset = 0
    while (offset < data.length) {
      if (this.full || this.segSize >= hardLimit) await this.rotate(timeMs)
      let take = data.length - offset
      let closes = false
      if (this.segSize + take >= maxSize) {
        // Close the segment right after the first newline that brings it to max_size.
        const limit = offset + Math.min(take, hardLimit - this.segSize)
        const newline = data.indexOf(NEWLINE, offset + Math.max(0, maxSize - this.segSize - 1))
        if (newline !== -1 && newline < limit) {
          take = newline + 1 - offset
          closes = true
        } else {
          take = limit - offset
        }
      }
      await this.createFiles()
      // Synchronous, a block at a time, as the spool's read before it (spool.ts).
      for (let done = 0; done < take; ) done += writeSync(this.log!.fd, data, offset + done, take - done, this.segSize + done)
      this.writeRecord({globalStart: this.end, rawStart: spoolStart + offset, length: take, timeMs})
      this.segSize += take
      this.end += take
      this.spoolPos = spoolStart + offset + take
      this.atLineStart = data[offset + take - 1] === NEWLINE
      this.full = closes
      offset += take
    }
  }

  /** The last `length` bytes (at most) of the current segment: what was copied last. */
  async tail(length: number): Promise<Buffer> {
    const n = Math.min(length, this.segSize)
    if (!this.log || n <= 0) return Buffer.alloc(0)
    const out = Buffer.alloc(n)
    const {bytesRead} = await this.log.read(out, 0, n, this.segSize - n)
    return out.subarray(0, bytesRead)
  }

  async close(): Promise<void> {
    this.createOnWrite = false
    const [idx, log] = [this.idx, this.log]
    this.idx = undefined
    this.log = undefined
    await idx?.close()
    await log?.close()
  }

  private resumeAfter(record: IndexRecord): void {
    this.lastStamp = record.timeMs
    this.end = recordEnd(record)
    this.spoolPos = record.rawStart + record.length
  }

  private async createFiles(): Promise<void> {
    if (this.createOnWrite) {
      this.idx = await open(indexPath(this.dir, this.stream, 0), OPEN_RW, 0o600)
      this.createOnWrite = false
    }
    // The log before its first record: a reader that finds the record finds the bytes.
    this.log ??= await open(logPath(this.dir, this.stream, 0), OPEN_RW, 0o600)
  }

  /**
   * Synchronous on purpose: 32 bytes into the page cache cost less than a
   * round trip through libuv's thread pool.
   */
  private writeRecord(record: IndexRecord, fd = this.idx!.fd, at = this.idxSize): void {
    const bytes = encodeRecord(record, this.record)
    // Disk full or the like throws here: a torn record is cut at the next open, and this one is not counted.
    for (let done = 0; done < RECORD_SIZE; ) done += writeSync(fd, bytes, done, RECORD_SIZE - done, at + done)
    if (fd === this.idx?.fd) this.idxSize += RECORD_SIZE
  }

  /** Rename-rotate (rotation.ts): the next index is prepared first, so a crash anywhere can be finished. */
  private async rotate(timeMs: number): Promise<void> {
    const {dir, stream, options} = this
    const next = await open(nextIndexPath(dir, stream), OPEN_RW | constants.O_TRUNC, 0o600)
    try {
      this.writeRecord({globalStart: this.end, rawStart: this.spoolPos, length: 0, timeMs}, next.fd, 0)
    } finally {
      await next.close()
    }
    await this.close()
    await shiftSegments(dir, stream, options.keep)
    this.idx = await open(indexPath(dir, stream, 0), OPEN_RW, 0o600)
    // At once rather than with the next bytes: a tool following the name finds it there (a crash before this: created with them).
    this.log = await open(logPath(dir, stream, 0), OPEN_RW | constants.O_TRUNC, 0o600)
    this.idxSize = RECORD_SIZE
    this.segSize = 0
    this.full = false
  }
}

async function lastByte(file: FileHandle, size: number): Promise<number> {
  const one = Buffer.alloc(1)
  await file.read(one, 0, 1, size - 1)
  return one[0]!
}

async function lastRecordOf(dir: string, stream: StreamName, slot: number): Promise<IndexRecord | undefined> {
  let file: FileHandle
  try {
    file = await open(indexPath(dir, stream, slot), constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch {
    return undefined
  }
  try {
    const index = await SegmentIndex.open(file)
    return index.count === 0 ? undefined : await index.get(index.count - 1)
  } finally {
    await file.close()
  }
}

