// Copies one stream from its spool into the plain log files: each pump takes
// what the child wrote since the last one as one chunk with one stamp, reads
// it in blocks, hands the blocks to listeners (a `log:` probe) and to the
// store (out.log, then the index), and then lets the spool give back what is
// copied. Pumps of one stream never overlap (InstanceLogs runs them in turn),
// so no read of the spool is in flight while a collapse shifts its bytes.
import {statSync} from 'node:fs'
import type {SegmentStore} from './segment-store.js'
import {COLLAPSE_IDLE_MS, type Spool} from './spool.js'
import type {StampClock} from './stamp-clock.js'
import type {StreamName} from './layout.js'

/** Bytes copied at a time: one read, one write and one index record each. */
const BLOCK = 1024 * 1024
/**
 * Copy buffers are reused: a fresh 1 MiB buffer per block costs its page
 * faults and unmapping, five times the CPU of the copy itself (100 MB:
 * 300 ms against 60). A few are kept for pumps that run at the same time.
 */
const spare: Buffer[] = []
const SPARE_MAX = 4

export interface PumpedRange {
  /** Global positions: where the chunk begins and just past its end. */
  start: number
  end: number
  timeMs: number
}

export interface ChunkListener {
  /** Whether the chunk's bytes are wanted. */
  wantsBytes(): boolean
  /** Bytes of a stored chunk, in order, in blocks; `startedAtLine` for the first block of a chunk. */
  bytes(block: Buffer, timeMs: number, startedAtLine: boolean): void
  stored(range: PumpedRange): void
}

export class StreamPump {
  /** A new child was given a spool with another inode (someone removed the old one). */
  private replacedBy: number | undefined
  /** Fresh store: the spool is opened for reading once it has bytes. */
  private spoolLater = false
  /** When bytes were last copied (Date.now()): the spool is collapsed once the stream is idle. */
  private lastCopyAt = 0

  constructor(
    readonly stream: StreamName,
    readonly store: SegmentStore,
    readonly spool: Spool,
    private readonly stamps: StampClock,
    private readonly listener: ChunkListener,
  ) {}

  /**
   * `fresh` (a new directory): nothing to recover and nothing to read yet, so
   * nothing is opened — the spool is opened for reading when its first bytes
   * appear. `mar up` of 200 new instances then queues no file work ahead of
   * their spawns.
   */
  async open(fresh = false): Promise<void> {
    if (this.spool.isOpen || this.spoolLater) return
    if (fresh) {
      this.spoolLater = true
      await this.store.open(true)
      return
    }
    await this.spool.open()
    await this.store.open()
    await this.spool.settle(this.store.spoolPos, await this.store.tail(4096))
    await this.checkBase()
    this.stamps.observe(this.store.lastStamp)
  }

  /** Bytes written to the spool and not yet copied (cheap: one fstat or stat). */
  hasNew(): boolean {
    if (this.spoolLater) return (statSync(this.spool.path, {throwIfNoEntry: false})?.size ?? 0) > 0
    if (!this.spool.isOpen) return false
    return this.replacedBy !== undefined || this.spool.end() !== this.store.spoolPos
  }

  /** A child was given a spool with this inode. */
  noticeChildFile(ino: number): void {
    if (this.spool.isOpen && ino !== this.spool.ino) this.replacedBy = ino
  }

  /** Copy everything written so far; resolves the number of bytes stored. */
  async pump(): Promise<number> {
    if (this.spoolLater && this.hasNew()) {
      this.spoolLater = false
      await this.spool.open()
      await this.checkBase()
    }
    if (!this.spool.isOpen) return 0
    let stored = 0
    if (this.replacedBy !== undefined) {
      // The old spool's last bytes first (our descriptor still reads it), then the new file.
      stored += await this.copyAvailable()
      this.replacedBy = undefined
      await this.spool.replace(this.store.spoolPos)
    } else if (this.spool.end() < this.store.spoolPos) {
      // Truncated by hand: what it holds now comes after what was copied.
      await this.spool.replace(this.store.spoolPos)
    }
    stored += await this.copyAvailable()
    if (stored > 0) this.lastCopyAt = Date.now()
    await this.spool.reclaim(this.store.spoolPos, this.idle())
    return stored
  }

  /** Copied bytes wait for the stream to be idle to be collapsed (InstanceLogs pumps again after COLLAPSE_IDLE_MS). */
  waitsForIdle(): boolean {
    return this.spool.waitsForIdle(this.store.spoolPos)
  }

  /** Idle now, with copied bytes to collapse: worth a pump though nothing is new. */
  reclaimDue(): boolean {
    return this.waitsForIdle() && this.idle()
  }

  private idle(): boolean {
    return this.spool.isOpen && Date.now() - this.lastCopyAt >= COLLAPSE_IDLE_MS && this.spool.end() === this.store.spoolPos
  }

  async close(): Promise<void> {
    this.spoolLater = false
    await this.spool.close()
    await this.store.close()
  }

  /**
   * The spool says more was collapsed than the store copied: the log
   * directory was removed while the spool stayed (or the base file was
   * edited). What the spool holds now is taken as coming next.
   */
  private async checkBase(): Promise<void> {
    if (this.store.spoolPos < this.spool.base) await this.spool.replace(this.store.spoolPos)
  }

  private async copyAvailable(): Promise<number> {
    const from = this.store.spoolPos
    const length = this.spool.end() - from
    if (length <= 0) return 0
    const timeMs = this.stamps.issue()
    const start = this.store.end
    const wanted = this.listener.wantsBytes()
    let startedAtLine = this.store.atLineStart
    let done = 0
    const block = spare.pop() ?? Buffer.allocUnsafe(BLOCK)
    try {
      while (done < length) {
        // Reads and writes are synchronous (spool.ts): let the daemon answer between blocks.
        if (done > 0) await new Promise((resolve) => setImmediate(resolve))
        const n = this.spool.read(block, Math.min(BLOCK, length - done), from + done)
        if (n === 0) break
        const bytes = block.subarray(0, n)
        // Lines go to listeners before the range is stored: whoever sees the new end has seen its lines.
        // (If storing then fails, the next pump hands the same lines over again; a probe only looks for a match.)
        // A copy: a listener may keep part of a line, and the block is reused.
        if (wanted) this.listener.bytes(Buffer.from(bytes), timeMs, startedAtLine)
        startedAtLine = false
        await this.store.append(bytes, from + done, timeMs)
        done += n
      }
    } finally {
      if (spare.length < SPARE_MAX) spare.push(block)
      // Written (or given up): readers that keep the stamps' order may pass it now.
      this.stamps.done(timeMs)
    }
    this.listener.stored({start, end: this.store.end, timeMs})
    return done
  }
}
