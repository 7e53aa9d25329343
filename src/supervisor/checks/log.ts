import type {LineBus} from '../output.js'
import {compileUserPattern, type LineMatcher} from '../../util/user-pattern.js'
import {CheckFailed, type Check} from './check.js'
import {EventLatch} from './event-latch.js'

/** Passes when a line of the instance's output matches; subscribes before the program starts. */
export function logCheck(pattern: string, bus: LineBus, now: () => number): Check {
  // Every output line is tested in the daemon: a linear-time engine, so no pattern can stall it.
  let regex: LineMatcher
  try {
    regex = compileUserPattern(pattern, 'log probe')
  } catch (error) {
    throw new CheckFailed((error as Error).message)
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
