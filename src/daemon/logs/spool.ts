// The spool of one stream: the hidden file the child appends to, read by
// spool position (bytes the child ever wrote to it, counted across
// collapses), and its consumed prefix given back once copied.
//
// Position = base + offset, base being the bytes collapsed out of its front
// so far (SPOOL/out.base). Positions only grow, so an index record's spool
// position stays meaningful after any number of collapses, and recovery
// after kill -9 re-copies from the last recorded one.
import {constants, fstatSync, readSync, rmSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {awaitPending, pendingPath, readBase, writeBase} from './spool-base.js'
import {basePath, spoolPath, type StreamName} from './layout.js'
import type {SpoolReclaimer} from './spool-reclaim.js'

const OPEN_SPOOL = constants.O_RDONLY | constants.O_CREAT | constants.O_NOFOLLOW
/**
 * When the copied front of the spool is given back. A collapse on ext4
 * writes back, and drops from the page cache, everything after the collapsed
 * range, under the inode lock: done while the child writes, it stalls the
 * child and sends the bytes not yet copied to disk, to be read back from
 * there (a 10-writer flood cost the daemon 850 ms of CPU instead of 540). So
 * a collapse waits until the stream is idle — everything copied and nothing
 * new for a second — once 1 MiB has gathered; a stream that never pauses is
 * collapsed every 64 MiB.
 */
export const COLLAPSE_IDLE_MS = 1000
const COLLAPSE_QUIET = 1024 * 1024
const COLLAPSE_BUSY = 64 * 1024 * 1024
/** Punching (where collapse is refused) keeps what follows in the cache: every 1–16 MiB, as max_size says. */
const PUNCH_MIN = 1024 * 1024
const PUNCH_MAX = 16 * 1024 * 1024

export class Spool {
  base = 0
  ino = 0
  private file: FileHandle | undefined
  /** Collapse until the file system refuses; then punch; off when fallocate is missing. */
  private mode: 'collapse' | 'punch' = 'collapse'
  /** Punch mode: offsets below this are holes already. */
  private punchedTo = 0
  private blockSize = 4096
  /** The base a collapse step meant to record when its helper was killed midway (see `settle`). */
  private pendingBase: number | undefined

  constructor(
    readonly dir: string,
    readonly stream: StreamName,
    private readonly reclaimer: SpoolReclaimer,
    private readonly maxSize: number,
  ) {}

  get isOpen(): boolean {
    return this.file !== undefined
  }

  get path(): string {
    return spoolPath(this.dir, this.stream)
  }

  /** Open (creating it empty) and learn its base. */
  async open(): Promise<void> {
    const file = await open(this.path, OPEN_SPOOL, 0o600)
    const stat = await file.stat()
    this.file = file
    this.ino = stat.ino
    this.blockSize = stat.blksize > 0 ? stat.blksize : 4096
    this.pendingBase = await awaitPending(basePath(this.dir, this.stream))
    this.base = await readBase(basePath(this.dir, this.stream))
    this.punchedTo = 0
  }

  /**
   * After a collapse step cut short (its helper killed between writing the
   * next base and renaming it into place), which base is true: the one
   * under which the spool holds, just before `copiedEnd`, the bytes the
   * store copied last (`tail`). Data repeating with a period that divides
   * the collapse could match both: then the collapse is taken as done.
   */
  async settle(copiedEnd: number, tail: Buffer): Promise<void> {
    const pending = this.pendingBase
    if (pending === undefined) return
    this.pendingBase = undefined
    let chosen = this.base
    for (const base of [pending, this.base]) {
      const at = copiedEnd - tail.length - base
      if (tail.length === 0 || at < 0) continue
      const seen = Buffer.alloc(tail.length)
      const {bytesRead} = await this.file!.read(seen, 0, tail.length, at)
      if (bytesRead === tail.length && seen.equals(tail)) {
        chosen = base
        break
      }
    }
    this.base = chosen
    writeBase(basePath(this.dir, this.stream), chosen)
  }

  /** Position just past the last byte the child wrote (one fstat). */
  end(): number {
    return this.base + fstatSync(this.file!.fd).size
  }

  /**
   * Read up to `length` bytes at spool position `position` into `into`.
   * Synchronous, like the write that follows it (segment-store.ts): bytes
   * the child just wrote are in the page cache, and a block read there costs
   * less than its round trip through libuv's thread pool (a 200 MB flood:
   * 810 ms of the daemon's CPU against 950 on a loaded machine). The pump
   * yields between blocks.
   */
  read(into: Buffer, length: number, position: number): number {
    return readSync(this.file!.fd, into, 0, length, position - this.base)
  }

  /** A new file at the spool's name (the old one was removed or replaced): its offset 0 is position `position`. */
  async replace(position: number): Promise<void> {
    await this.close()
    await this.open()
    this.base = position
    writeBase(basePath(this.dir, this.stream), position)
  }

  /** Copied bytes wait for an idle stream to be collapsed (see COLLAPSE_IDLE_MS). */
  waitsForIdle(consumed: number): boolean {
    return this.file !== undefined && this.reclaimer.usable && this.mode === 'collapse' && consumed - this.base >= COLLAPSE_QUIET
  }

  /**
   * Bytes before `consumed` are in the plain log files and indexed: give
   * their blocks back once enough have gathered; `idle`: everything is
   * copied and nothing new came for a while. Must not run while a read of
   * this spool is in flight (a collapse moves the bytes under it): the pump
   * awaits it between rounds.
   */
  async reclaim(consumed: number, idle: boolean): Promise<void> {
    if (!this.file || !this.reclaimer.usable) return
    const offset = consumed - this.base
    const target = `/proc/${process.pid}/fd/${this.file.fd}`
    if (this.mode === 'collapse' && offset >= (idle ? COLLAPSE_QUIET : COLLAPSE_BUSY)) {
      const size = fstatSync(this.file.fd).size
      let length = offset - (offset % this.blockSize)
      // A collapse may not reach the end of the file.
      if (length >= size) length -= this.blockSize
      if (length <= 0) return
      const answer = await this.reclaimer.collapse(target, length, this.base + length, basePath(this.dir, this.stream))
      if (answer === 'ok' || answer === 'torn') {
        this.base += length
        // Collapsed, but the helper could not record it: record it here, or recovery would read shifted bytes.
        if (answer === 'torn') writeBase(basePath(this.dir, this.stream), this.base)
      }
      // A marker left behind (a daemon's own base write cut short): gone for the next time.
      if (answer === 'skipped') rmSync(pendingPath(basePath(this.dir, this.stream)), {force: true})
      if (answer !== 'fail') return
      // Refused (tmpfs, ext3, NFS): punch from now on, starting with this.
      this.mode = 'punch'
    }
    if (this.mode === 'punch') {
      const length = offset - (offset % this.blockSize)
      if (length - this.punchedTo < Math.min(PUNCH_MAX, Math.max(PUNCH_MIN, this.maxSize))) return
      if ((await this.reclaimer.punch(target, length)) === 'ok') this.punchedTo = length
    }
  }

  async close(): Promise<void> {
    const file = this.file
    this.file = undefined
    await file?.close()
  }
}
