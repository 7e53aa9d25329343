import {sleep, type Clock} from '../clock.js'
import type {Check} from './check.js'

/** Ready a fixed time after the program started; as a liveness check it always passes. */
export function afterCheck(delayMs: number, clock: Clock): Check {
  return {
    describe: () => `after ${delayMs}ms`,
    passedSince: () => true,
    async waitPass(signal) {
      await sleep(clock, delayMs, signal)
    },
  }
}
