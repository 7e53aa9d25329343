import type {LineBus} from '../output.js'
import {CheckFailed, type Check} from './check.js'

/** Passes when a line of the instance's output matches; subscribes before the program starts. */
export function logCheck(pattern: string, bus: LineBus, now: () => number): Check {
  let regex: RegExp
  try {
    regex = new RegExp(pattern)
  } catch (error) {
    throw new CheckFailed(`log probe: invalid regular expression ${pattern}: ${(error as Error).message}`)
  }
  let lastMatch = -1
  const waiters = new Set<() => void>()
  let unsubscribe: (() => void) | undefined
  return {
    describe: () => `log /${pattern}/`,
    async prepare() {
      unsubscribe = bus.subscribe(({line}) => {
        if (!regex.test(line)) return
        lastMatch = now()
        for (const wake of waiters) wake()
      })
    },
    passedSince: (since) => lastMatch >= since,
    waitPass(signal) {
      if (lastMatch >= 0) return Promise.resolve()
      return new Promise((resolve) => {
        const wake = () => {
          waiters.delete(wake)
          resolve()
        }
        waiters.add(wake)
        signal.addEventListener('abort', wake, {once: true})
      })
    },
    dispose: () => unsubscribe?.(),
  }
}
