// The shared half of event-driven checks (a log line, a notify message):
// remember when the event last happened, and let waiters sleep until it
// first does (or until they give up).
export class EventLatch {
  private firstAt = -1
  private lastAt = -1
  private readonly waiters = new Set<() => void>()

  /** Record the event at time `at`; wakes every waiter. */
  fire(at: number): void {
    if (this.firstAt < 0) this.firstAt = at
    this.lastAt = at
    for (const wake of this.waiters) wake()
  }

  /** Whether the event happened at or after `since`. */
  firedSince(since: number): boolean {
    return this.lastAt >= since
  }

  /** Resolves once the event has happened at least once, or when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.firstAt >= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake)
        signal.removeEventListener('abort', wake)
        resolve()
      }
      this.waiters.add(wake)
      signal.addEventListener('abort', wake, {once: true})
    })
  }
}
