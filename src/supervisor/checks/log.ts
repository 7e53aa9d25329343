import type {LineBus} from '../output.js'
import {CheckFailed, type Check} from './check.js'
import {EventLatch} from './event-latch.js'

/** Passes when a line of the instance's output matches; subscribes before the program starts. */
export function logCheck(pattern: string, bus: LineBus, now: () => number): Check {
  let regex: RegExp
  try {
    regex = new RegExp(pattern)
  } catch (error) {
    throw new CheckFailed(`log probe: invalid regular expression ${pattern}: ${(error as Error).message}`)
  }
  const matched = new EventLatch()
  let unsubscribe: (() => void) | undefined
  return {
    describe: () => `log /${pattern}/`,
    async prepare() {
      unsubscribe = bus.subscribe(({line}) => {
        if (regex.test(line)) matched.fire(now())
      })
    },
    passedSince: (since) => matched.firedSince(since),
    waitPass: (signal) => matched.wait(signal),
    dispose: () => unsubscribe?.(),
  }
}
