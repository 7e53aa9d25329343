// The stamps of stored output: one clock for every log store of a daemon,
// so that all its output has one order. A stamp is the time a chunk was
// read (epoch ms), made strictly greater than every stamp before it (a
// thousandth of a millisecond more when two chunks fall in the same
// instant), and never below a stamp found on disk (a daemon started after
// another goes on after it). Readers hand lines out by stamp: a cursor is a
// point in that order (src/api/cursor.ts).
//
// Stores write their chunks concurrently, so a chunk with a smaller stamp
// can reach the disk after one with a larger stamp. The clock knows which
// stamps are still being written: a reader that follows the order notes
// `low()` and `latest()` before it looks at the disk, and hands out only
// chunks stamped below the one and at most the other — every such chunk is
// on disk by then, so none can still turn up before them.

/** The smallest step between two stamps: float64 holds epoch ms to well below this. */
const STEP = 0.001

export class StampClock {
  private last = 0
  /** Stamps issued and not yet written (or given up on). */
  private readonly pending = new Set<number>()
  private readonly listeners = new Set<() => void>()

  constructor(private readonly now: () => number = Date.now) {}

  /** A new stamp, for a chunk about to be written; `done` must follow. */
  issue(): number {
    const stamp = Math.max(this.now(), this.last + STEP)
    this.last = stamp
    this.pending.add(stamp)
    return stamp
  }

  /** The chunk of `stamp` is written (or will never be): readers may pass it. */
  done(stamp: number): void {
    if (!this.pending.delete(stamp)) return
    for (const listener of this.listeners) listener()
  }

  /** A stamp found on disk: later ones go after it. */
  observe(stamp: number): void {
    if (stamp > this.last) this.last = stamp
  }

  /**
   * A stamp for "now" that no chunk has: every chunk stored or being stored
   * has a smaller one (once `settled`, all of them are on disk), every later
   * chunk a greater one — also output a previous process stored, whose
   * stamps are older than now.
   */
  boundary(): number {
    this.last = Math.max(this.now(), this.last + STEP)
    return this.last
  }

  /** The greatest stamp issued so far (or handed out as a boundary): every chunk that has one is no later. */
  latest(): number {
    return this.last
  }

  /** Every stamp below this is written: the smallest one still pending, or Infinity. */
  low(): number {
    let low = Number.POSITIVE_INFINITY
    for (const stamp of this.pending) if (stamp < low) low = stamp
    return low
  }

  /** Told whenever a pending stamp is done. */
  onDone(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Resolves once every stamp up to `stamp` is written. */
  settled(stamp: number): Promise<void> {
    if (this.low() > stamp) return Promise.resolve()
    return new Promise((resolve) => {
      const stop = this.onDone(() => {
        if (this.low() > stamp) {
          stop()
          resolve()
        }
      })
    })
  }
}

/** The clock of a process's log stores when none is given (tests, tools that read logs). */
export const defaultStampClock = new StampClock()
