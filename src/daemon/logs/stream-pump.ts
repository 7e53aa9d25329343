// Copies one raw file into its store: read 1 MiB blocks where the store
// left off, hand each to the store as one chunk (one index record, one
// data write), and now and then give the consumed raw bytes' disk space back.
import {constants, fstatSync, statSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {BLOCK_SIZE, giveBuffer, takeBuffer} from './buffer-pool.js'
import {rawPath, type StreamName} from './layout.js'
import type {HolePuncher} from './punch.js'
import type {SegmentStore} from './segment-store.js'

/** Punch even below `punchEvery` once a stream has gone quiet with this much consumed. */
const IDLE_PUNCH_MIN = 64 * 1024

export type ChunkListener = (chunk: Buffer, timeMs: number, startedAtLine: boolean) => void

export interface PumpOptions {
  now: () => number
  /** Consumed raw bytes between two punches while a stream is busy (each punch runs fallocate). */
  punchEvery: number
}

/**
 * How long a stream must stay silent before its consumed bytes are punched
 * below punchEvery. Well above the tailer's pause between busy rounds
 * (BUSY_PAUSE_MS): a flood must not look quiet between two of its rounds.
 */
const QUIET_MS = 1000

export class StreamPump {
  private raw: FileHandle | undefined
  private rawIno = 0
  /** A new child recreated the raw file (someone deleted it): read the old one to its end first. */
  private replacedBy: number | undefined
  private punchedTo = 0
  private punching: Promise<void> | undefined
  /** Whether the last pump found nothing new. */
  private idle = false
  private closing = false
  /** Fires QUIET_MS after a pump that caught up, unless more output came: then the stream is quiet. */
  private quietTimer: NodeJS.Timeout | undefined
  /** Fresh store: the raw file is opened for reading once it has bytes. */
  private rawLater = false

  constructor(
    readonly stream: StreamName,
    private readonly dir: string,
    readonly store: SegmentStore,
    private readonly puncher: HolePuncher,
    private readonly options: PumpOptions,
    private readonly onChunk: ChunkListener,
  ) {}

  /**
   * `fresh` (a new directory): nothing to recover and nothing to read yet, so
   * nothing is opened — the raw file is opened for reading when its first
   * bytes appear. `mar up` of 200 new instances then queues no file work
   * ahead of their spawns.
   */
  async open(fresh = false): Promise<void> {
    if (this.raw || this.rawLater) return
    await this.store.open(fresh)
    if (fresh) {
      this.rawLater = true
      return
    }
    await this.openRaw()
  }

  private async openRaw(): Promise<void> {
    this.rawLater = false
    this.raw = await open(rawPath(this.dir, this.stream), constants.O_RDONLY | constants.O_CREAT, 0o600)
    this.rawIno = (await this.raw.stat()).ino
  }

  /** Bytes written to the raw file and not yet stored (cheap: one fstat or stat). */
  hasNew(): boolean {
    if (this.rawLater) return (statSync(rawPath(this.dir, this.stream), {throwIfNoEntry: false})?.size ?? 0) > 0
    if (!this.raw) return false
    return this.replacedBy !== undefined || fstatSync(this.raw.fd).size !== this.store.rawPos
  }

  /** A child was given a raw file with this inode. */
  noticeChildFile(ino: number): void {
    if (this.raw && ino !== this.rawIno) this.replacedBy = ino
  }

  /** Store everything written so far; resolves the number of bytes stored. */
  async pump(): Promise<number> {
    let stored = 0
    if (this.rawLater && this.hasNew()) await this.openRaw()
    for (;;) {
      const raw = this.raw
      if (!raw) break
      // Nothing new (the common case for hundreds of quiet instances): no
      // buffer, no read — one fstat. Holding a 1 MiB buffer per idle pump made
      // the daemon's memory (and with it every fork) larger.
      if (this.replacedBy === undefined && fstatSync(raw.fd).size === this.store.rawPos) break
      const buffer = takeBuffer()
      let bytesRead = 0
      try {
        const rawStart = this.store.rawPos
        ;({bytesRead} = await raw.read(buffer, 0, BLOCK_SIZE, rawStart))
        if (bytesRead > 0) {
          const chunk = buffer.subarray(0, bytesRead)
          const timeMs = this.options.now()
          const startedAtLine = this.store.atLineStart
          await this.store.append(chunk, rawStart, timeMs)
          stored += bytesRead
          this.onChunk(chunk, timeMs, startedAtLine)
        }
      } finally {
        giveBuffer(buffer)
      }
      // A short read reached the end of what was written before this pump began
      // (unless the file was replaced: then read the old one to its end, then the new).
      if (bytesRead === BLOCK_SIZE || (bytesRead > 0 && this.replacedBy !== undefined)) continue
      if (bytesRead === 0 && (await this.restartIfReplaced())) continue
      break
    }
    this.maybePunch(stored === 0)
    if (stored > 0) this.armQuietPunch()
    return stored
  }

  /**
   * Pumps run only for streams with new bytes, so "a pump found nothing"
   * never comes for a stream that stopped writing: a timer notices the quiet
   * instead and gives back what it consumed (below punchEvery, the last part
   * of a burst would otherwise stay allocated until the next burst).
   */
  private armQuietPunch(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer)
    const at = this.store.rawPos
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined
      if (this.store.rawPos === at) this.maybePunch(true)
    }, QUIET_MS)
    this.quietTimer.unref()
  }

  async close(): Promise<void> {
    this.rawLater = false
    if (this.quietTimer) clearTimeout(this.quietTimer)
    this.quietTimer = undefined
    await this.punchesDone()
    const raw = this.raw
    this.raw = undefined
    await raw?.close()
    await this.store.close()
  }

  /** At the end of the raw file: was it recreated or truncated behind our back? Then start over at 0. */
  private async restartIfReplaced(): Promise<boolean> {
    if (this.replacedBy !== undefined) {
      await this.punchesDone()
      const old = this.raw!
      this.raw = await open(rawPath(this.dir, this.stream), constants.O_RDONLY | constants.O_CREAT, 0o600)
      this.rawIno = (await this.raw.stat()).ino
      this.replacedBy = undefined
      await old.close()
    } else if (fstatSync(this.raw!.fd).size >= this.store.rawPos) {
      return false
    }
    this.store.rawPos = 0
    this.punchedTo = 0
    return true
  }

  /** Punches go through /proc/PID/fd/N: none may run once N is closed (N could name another file then). */
  private async punchesDone(): Promise<void> {
    this.closing = true
    while (this.punching) await this.punching
    this.closing = false
  }

  private maybePunch(idle: boolean): void {
    this.idle = idle
    const consumed = this.store.rawPos
    const pending = consumed - this.punchedTo
    if (this.punching || this.closing || !this.raw || this.replacedBy !== undefined || !this.puncher.usable) return
    if (pending < this.options.punchEvery && !(idle && pending >= IDLE_PUNCH_MIN)) return
    // Through our own descriptor, so the hole lands in the file we read even if the name was reused.
    const target = `/proc/${process.pid}/fd/${this.raw.fd}`
    this.punching = this.puncher.punch(target, consumed).then((ok) => {
      if (ok && this.store.rawPos >= consumed) this.punchedTo = Math.floor(consumed / 4096) * 4096
      this.punching = undefined
      // What was stored while this punch ran, if the stream has gone quiet meanwhile.
      if (ok) this.maybePunch(this.idle)
    })
  }
}
