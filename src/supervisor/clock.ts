// Time as a dependency: every timer in the supervisor goes through a Clock
// so that unit tests drive backoff, probes and restart windows with fake
// time instead of sleeping.

export type TimerHandle = {readonly id: number}

export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

let nextId = 1
const realTimers = new Map<number, NodeJS.Timeout>()

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const id = nextId++
    realTimers.set(
      id,
      setTimeout(() => {
        realTimers.delete(id)
        fn()
      }, ms),
    )
    return {id}
  },
  clearTimeout(handle) {
    const timer = realTimers.get(handle.id)
    if (timer) clearTimeout(timer)
    realTimers.delete(handle.id)
  },
}

/**
 * The reason every supervisor AbortController aborts with (a stop, or a
 * timer no longer wanted). `abort()` with no reason builds a DOMException
 * with a stack trace: stopping 200 instances made some 800 of them.
 */
export const STOPPING = 'stopping'

/** Resolves after `ms`, or early (still resolving) when `signal` aborts. Returns whether it ran to completion. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(handle)
      resolve(false)
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}
