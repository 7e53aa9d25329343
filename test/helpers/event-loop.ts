// How long the event loop was held at most while a test ran something:
// a 5 ms ticker records the longest wait between its turns.
export interface LoopWatch {
  /** The longest time without a turn so far, up to now (a stall at the very end has no tick after it). */
  longestGap(): number
  stop(): void
}

export function watchEventLoop(): LoopWatch {
  let longest = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
  }, 5)
  return {
    longestGap: () => Math.max(longest, performance.now() - last),
    stop: () => clearInterval(ticker),
  }
}
