// When to pump. Idle: fs.watch on the spool directory (what children write;
// the plain logs are ours) wakes us at the first
// write. Busy: the watcher is closed (a flooding child would otherwise wake
// us once per write() it makes) and we pump in rounds, pausing briefly
// between them so that a flood costs a few index records a second. When a
// round finds nothing we re-arm the watcher.
// A safety poll (a notice can be missed, e.g. on network file systems) only
// pumps when an fstat shows new bytes: an idle instance costs a syscall.
import {watch, type FSWatcher} from 'node:fs'

/**
 * Pause between busy rounds. A first line after a quiet spell is stored at
 * once; only a flood is batched, and its lines' times are this coarse. A
 * round costs an fstat, and a read, a write and a 32-byte index record per
 * MiB it copies: since rounds copy, twice as long ones cut the daemon's CPU
 * for a 10-writer flood by a third (570–615 ms per 200 MB against 850 at
 * 50 ms, on a loaded machine).
 */
export const BUSY_PAUSE_MS = 100

export interface TailTarget {
  /** Copy what is new; resolves the number of bytes stored. */
  pumpOnce(): Promise<number>
  hasNew(): boolean
  onError(error: Error): void
}

export class Tailer {
  private watcher: FSWatcher | undefined
  private readonly poll: NodeJS.Timeout
  private busy = false
  private stopped = false
  /** After a failed pump, wake only from the poll until then. */
  private retryAfter = 0

  constructor(
    private readonly dir: string,
    private readonly pollMs: number,
    private readonly target: TailTarget,
  ) {
    this.arm()
    this.poll = setInterval(() => this.check(), pollMs)
    this.poll.unref()
    this.check()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.poll)
    this.disarm()
  }

  private arm(): void {
    if (this.watcher || this.stopped) return
    try {
      this.watcher = watch(this.dir, {persistent: false}, (_event, name) => {
        if (name === null || name.endsWith('.spool')) this.wake()
      })
      this.watcher.on('error', () => this.disarm())
    } catch {
      this.watcher = undefined // the poll alone, then
    }
  }

  private disarm(): void {
    this.watcher?.close()
    this.watcher = undefined
  }

  private check(): void {
    try {
      if (!this.busy && this.target.hasNew()) this.wake()
    } catch (error) {
      this.target.onError(error as Error)
    }
  }

  private wake(): void {
    if (this.busy || this.stopped || Date.now() < this.retryAfter) return
    this.busy = true
    this.disarm()
    this.rounds().then(
      () => {
        this.busy = false
        this.arm()
        // Bytes written after the last round but before the watcher was back.
        this.check()
      },
      (error: unknown) => {
        // Disk full or the like: report, and leave the retry to the poll rather than spin.
        this.target.onError(error as Error)
        this.retryAfter = Date.now() + this.pollMs - 1
        this.busy = false
        this.arm()
      },
    )
  }

  private async rounds(): Promise<void> {
    while (!this.stopped) {
      const stored = await this.target.pumpOnce()
      if (stored === 0) return
      await new Promise((resolve) => setTimeout(resolve, BUSY_PAUSE_MS).unref())
    }
  }
}
