// Fake time for unit tests: timers fire only when a test advances the clock,
// in due order, with pending promise callbacks flushed between them.
import type {Clock, TimerHandle} from '../../src/supervisor/clock.js'

interface Timer {
  id: number
  at: number
  fn: () => void
}

export async function flush(): Promise<void> {
  // A macrotask turn lets every queued microtask (and their follow-ups) run.
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

export class FakeClock implements Clock {
  private time = 0
  private nextId = 1
  private timers: Timer[] = []

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = {id: this.nextId++, at: this.time + Math.max(0, ms), fn}
    this.timers.push(timer)
    return {id: timer.id}
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id)
  }

  get pending(): number {
    return this.timers.length
  }

  /** Move time forward by `ms`, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms
    await flush()
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.time = due.at
      due.fn()
      await flush()
    }
    this.time = target
    await flush()
  }
}
