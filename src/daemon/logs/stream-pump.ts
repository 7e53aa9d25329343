// Indexes one log file as the child writes it: each pump records the bytes
// written since the last one as one chunk with its time (one fstat and one
// 32-byte index record; the bytes are not read unless someone listens for
// lines), and gives back the disk space of segments the store dropped.
import {constants, fstatSync, statSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {fileKey, markDropped} from './dropped-marks.js'
import {rawPath, type StreamName} from './layout.js'
import type {HolePuncher} from './punch.js'
import type {RawBytes, SegmentStore} from './segment-store.js'
import type {StampClock} from './stamp-clock.js'

/** Bytes read at a time when looking for a line end or handing bytes to listeners. */
const READ_BLOCK = 1024 * 1024
const NEWLINE_BLOCK = 4096
const NEWLINE = 10

export interface PumpedRange {
  /** Global positions: where the chunk begins and just past its end. */
  start: number
  end: number
  timeMs: number
}

export interface ChunkListener {
  /** Whether the chunk's bytes are wanted (they are read from the file only then). */
  wantsBytes(): boolean
  /** Bytes of a stored chunk, in order, in blocks; `startedAtLine` for the first block of a chunk. */
  bytes(block: Buffer, timeMs: number, startedAtLine: boolean): void
  stored(range: PumpedRange): void
}

export class StreamPump implements RawBytes {
  private raw: FileHandle | undefined
  private rawIno = 0
  /** The log file's device and inode, for the dropped-bytes marks readers check. */
  private rawKey = ''
  /** A new child recreated the log file (someone deleted it). */
  private replacedBy: number | undefined
  /** Hole punches run one after another; close waits for them (they use our descriptor). */
  private punching: Promise<unknown> = Promise.resolve()
  /** Fresh store: the log file is opened for reading once it has bytes. */
  private rawLater = false

  constructor(
    readonly stream: StreamName,
    private readonly dir: string,
    readonly store: SegmentStore,
    private readonly puncher: HolePuncher,
    private readonly stamps: StampClock,
    private readonly listener: ChunkListener,
  ) {}

  /**
   * `fresh` (a new directory): nothing to recover and nothing to read yet, so
   * nothing is opened — the log file is opened for reading when its first
   * bytes appear. `mar up` of 200 new instances then queues no file work
   * ahead of their spawns.
   */
  async open(fresh = false): Promise<void> {
    if (this.raw || this.rawLater) return
    if (fresh) {
      this.rawLater = true
      await this.store.open(this, true)
      return
    }
    await this.openRaw()
    await this.store.open(this)
    this.stamps.observe(this.store.lastStamp)
  }

  private async openRaw(): Promise<void> {
    this.rawLater = false
    this.raw = await open(rawPath(this.dir, this.stream), constants.O_RDONLY | constants.O_CREAT, 0o600)
    this.noteFile(await this.raw.stat())
  }

  private noteFile(stat: {dev: number; ino: number; birthtimeMs: number}): void {
    this.rawIno = stat.ino
    this.rawKey = fileKey(stat)
  }

  /** Bytes written to the log file and not yet indexed (cheap: one fstat or stat). */
  hasNew(): boolean {
    if (this.rawLater) return (statSync(rawPath(this.dir, this.stream), {throwIfNoEntry: false})?.size ?? 0) > 0
    if (!this.raw) return false
    return this.replacedBy !== undefined || fstatSync(this.raw.fd).size !== this.store.rawPos
  }

  /** A child was given a log file with this inode. */
  noticeChildFile(ino: number): void {
    if (this.raw && ino !== this.rawIno) this.replacedBy = ino
  }

  /** Index everything written so far; resolves the number of bytes indexed. */
  async pump(): Promise<number> {
    if (this.rawLater && this.hasNew()) await this.openRaw()
    if (!this.raw) return 0
    if (this.replacedBy !== undefined) await this.switchToNewFile()
    let size = fstatSync(this.raw.fd).size
    if (size < this.store.rawPos) {
      // Truncated by hand: what was indexed is gone; start again at 0.
      await this.store.reset(this.marker())
      size = fstatSync(this.raw.fd).size
    }
    const rawStart = this.store.rawPos
    const length = size - rawStart
    if (length <= 0) return 0
    const timeMs = this.stamps.issue()
    const start = this.store.end
    try {
      // Lines go to listeners before the range is indexed: whoever sees the new end has seen its lines.
      // (If indexing then fails, the next pump hands the same lines over again; a probe only looks for a match.)
      if (this.listener.wantsBytes()) await this.handOver(rawStart, length, timeMs)
      await this.store.append(rawStart, length, timeMs, this)
    } finally {
      // Written (or given up): readers that keep the stamps' order may pass it now.
      this.stamps.done(timeMs)
    }
    this.listener.stored({start, end: this.store.end, timeMs})
    return length
  }

  /** Offset of the first newline in [from, to), or -1. */
  async newlineIn(from: number, to: number): Promise<number> {
    const raw = this.raw
    if (!raw) return -1
    const buffer = Buffer.allocUnsafe(Math.min(NEWLINE_BLOCK, Math.max(1, to - from)))
    for (let at = from; at < to; ) {
      const {bytesRead} = await raw.read(buffer, 0, Math.min(buffer.length, to - at), at)
      if (bytesRead === 0) return -1
      const found = buffer.subarray(0, bytesRead).indexOf(NEWLINE)
      if (found !== -1) return at + found
      at += bytesRead
    }
    return -1
  }

  async close(): Promise<void> {
    this.rawLater = false
    await this.punching
    const raw = this.raw
    this.raw = undefined
    await raw?.close()
    await this.store.close()
  }

  /** The store dropped the bytes before `rawTo`: give their disk space back. */
  dropped(rawTo: number): void {
    const raw = this.raw
    if (!raw || !this.puncher.usable) return
    // Through our own descriptor, so the hole lands in the file we index even if the name was reused.
    const target = `/proc/${process.pid}/fd/${raw.fd}`
    // Before the punch: a reader that checks after its read then knows it may have met the hole.
    markDropped(this.rawKey, rawTo)
    this.punching = this.punching.then(() => (this.raw === raw ? this.puncher.punch(target, rawTo) : false))
  }

  private async handOver(rawStart: number, length: number, timeMs: number): Promise<void> {
    const startedAtLine = rawStart === 0 || (await this.newlineIn(rawStart - 1, rawStart)) !== -1
    const buffer = Buffer.allocUnsafe(Math.min(READ_BLOCK, length))
    for (let done = 0; done < length; ) {
      const {bytesRead} = await this.raw!.read(buffer, 0, Math.min(buffer.length, length - done), rawStart + done)
      if (bytesRead === 0) break
      this.listener.bytes(Buffer.from(buffer.subarray(0, bytesRead)), timeMs, done === 0 && startedAtLine)
      done += bytesRead
    }
  }

  /** A stamp for a record that holds no bytes (a reset): nothing waits for it. */
  private marker(): number {
    const stamp = this.stamps.issue()
    this.stamps.done(stamp)
    return stamp
  }

  /** A new child got a new log file: the old one is no longer ours to index. */
  private async switchToNewFile(): Promise<void> {
    await this.punching
    const old = this.raw!
    this.raw = await open(rawPath(this.dir, this.stream), constants.O_RDONLY | constants.O_CREAT, 0o600)
    this.noteFile(await this.raw.stat())
    this.replacedBy = undefined
    await old.close()
    await this.store.reset(this.marker())
  }
}
