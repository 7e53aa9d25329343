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

/**
 * Node's timers hold at most 2³¹−1 ms (24.8 days); a longer delay fires
 * after 1 ms (`ready: {after: 600h}` was ready at once, `stop.timeout: 600h`
 * killed after 255 ms). Longer waits are chained from timers of at most
 * this, so no delay, validated or not, can end early.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** A delay Node's timers take as given: finite, at least 0, at most MAX_TIMER_MS (for library timers we cannot chain: a longer one waits "only" 24.8 days). */
export function timerMs(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(Math.max(0, ms), MAX_TIMER_MS)
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const id = nextId++
    // NaN is Node's 1 ms; Infinity never ends, like a chain that never does.
    const due = Date.now() + (Number.isNaN(ms) ? 0 : Math.max(0, ms))
    const arm = (delay: number) => {
      realTimers.set(
        id,
        setTimeout(() => {
          const left = due - Date.now()
          if (left > 0) return arm(left)
          realTimers.delete(id)
          fn()
        }, timerMs(delay)),
      )
    }
    arm(due - Date.now())
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
