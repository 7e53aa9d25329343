import type {LineBus} from '../output.js'
import {compileOffLoop, type OffLoopMatcher} from '../../util/pattern-worker.js'
import {CheckFailed, type Check} from './check.js'
import {EventLatch} from './event-latch.js'

/**
 * Lines waiting to be matched, in bytes. A program that floods faster than
 * a costly pattern is matched (src/util/pattern-worker.ts) has its newest
 * lines skipped past this, rather than held without bound.
 */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024

/** Passes when a line of the instance's output matches; subscribes before the program starts. */
export function logCheck(pattern: string, bus: LineBus, now: () => number): Check {
  const matched = new EventLatch()
  let matcher: OffLoopMatcher | undefined
  let unsubscribe: (() => void) | undefined
  // Every output line is matched in order, off the event loop when that is costly: no pattern can stall the supervisor.
  let queue: Promise<void> = Promise.resolve()
  let queuedBytes = 0
  return {
    describe: () => `log /${pattern}/`,
    async prepare() {
      const m = await compileOffLoop(pattern, 'log probe').catch((error: Error) => {
        throw new CheckFailed(error.message)
      })
      matcher = m
      unsubscribe = bus.subscribe(({line}) => {
        if (queuedBytes + line.length > MAX_QUEUED_BYTES) return
        queuedBytes += line.length
        queue = queue.then(async () => {
          try {
            if (await m.test(line)) matched.fire(now())
          } catch {
            // A line too costly for the pattern (or the check disposed): it did not match.
          } finally {
            queuedBytes -= line.length
          }
        })
      })
    },
    passedSince: (since) => matched.firedSince(since),
    waitPass: (signal) => matched.wait(signal),
    dispose: () => {
      unsubscribe?.()
      matcher?.cancel()
    },
  }
}
