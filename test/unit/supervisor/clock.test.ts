// Waits past Node's timer limit (2³¹−1 ms, 24.8 days) are chained, so they
// end when due, never at once: `ready: {after: 600h}` used to be ready
// immediately and `stop.timeout: 600h` to SIGKILL after 255 ms.
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {MAX_TIMER_MS, realClock, sleep, timerMs} from '../../../src/supervisor/clock.js'

const HOUR = 3_600_000

describe('realClock past 2³¹−1 ms', () => {
  beforeEach(() => vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'Date']}))
  afterEach(() => vi.useRealTimers())

  it('a 600h timer fires after 600h, not before', () => {
    const fired = vi.fn()
    realClock.setTimeout(fired, 600 * HOUR)
    vi.advanceTimersByTime(MAX_TIMER_MS)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(600 * HOUR - MAX_TIMER_MS - 1)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fired).toHaveBeenCalledTimes(1)
  })

  it('a chained timer can be cleared between links', () => {
    const fired = vi.fn()
    const handle = realClock.setTimeout(fired, 3 * MAX_TIMER_MS)
    vi.advanceTimersByTime(MAX_TIMER_MS + 5)
    realClock.clearTimeout(handle)
    vi.advanceTimersByTime(3 * MAX_TIMER_MS)
    expect(fired).not.toHaveBeenCalled()
  })

  it('sleep waits the whole time, and an abort still ends it early', async () => {
    let done: boolean | undefined
    void sleep(realClock, 700 * HOUR).then((completed) => (done = completed))
    await vi.advanceTimersByTimeAsync(699 * HOUR)
    expect(done).toBeUndefined()
    await vi.advanceTimersByTimeAsync(HOUR)
    expect(done).toBe(true)

    const abort = new AbortController()
    let early: boolean | undefined
    void sleep(realClock, 700 * HOUR, abort.signal).then((completed) => (early = completed))
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1)
    abort.abort()
    await vi.advanceTimersByTimeAsync(0)
    expect(early).toBe(false)
  })

  it('library timeouts are capped rather than overflowing', () => {
    expect(timerMs(600 * HOUR)).toBe(MAX_TIMER_MS)
    expect(timerMs(-5)).toBe(0)
    expect(timerMs(Number.NaN)).toBe(0)
    expect(timerMs(250)).toBe(250)
  })
})
