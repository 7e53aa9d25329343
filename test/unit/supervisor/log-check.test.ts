// A `ready: {log: …}` probe matches every line a program writes, with a
// pattern from the config. A costly pattern over long lines (`\pL{1000}\pN`
// takes seconds on one line of letters) is matched off the event loop, so
// one stack's probe cannot stall the supervisor of every other.
import {afterEach, describe, expect, it} from 'vitest'
import {logCheck} from '../../../src/supervisor/checks/log.js'
import {LineBus} from '../../../src/supervisor/output.js'
import {waitFor} from '../../helpers/wait.js'
import {watchEventLoop} from '../../helpers/event-loop.js'

const disposals: Array<() => void> = []
afterEach(() => disposals.splice(0).forEach((dispose) => dispose()))

async function probe(pattern: string) {
  const bus = new LineBus()
  let clock = 0
  const check = logCheck(pattern, bus, () => ++clock)
  await check.prepare!()
  disposals.push(() => check.dispose?.())
  return {check, say: (line: string) => bus.publish({stream: 'stdout', line, time: Date.now()})}
}

describe('the log probe', () => {
  it('passes once a line matches', async () => {
    const {check, say} = await probe('listening on port \\d+')
    say('starting')
    say('listening on port 8080')
    await waitFor('the probe to pass', () => check.passedSince!(0))
  })

  it('a pattern that costs seconds a line leaves the event loop free and still passes on the matching line', async () => {
    const {check, say} = await probe('\\pL{1000}\\pN')
    const loop = watchEventLoop()
    try {
      const started = performance.now()
      say('b'.repeat(30_000))
      say(`${'c'.repeat(1000)}7`)
      await waitFor('the probe to pass', () => check.passedSince!(0), 60_000)
      const took = performance.now() - started
      // Meaningful when the long line was slow at all (about a second here): the loop kept its turns meanwhile.
      if (took > 200) expect(loop.longestGap()).toBeLessThan(took / 2)
    } finally {
      loop.stop()
    }
  }, 120_000)

  it('a pattern that is not RE2 fails the probe with one line', async () => {
    await expect(probe('(?=a)')).rejects.toThrow(/^log probe: invalid or unsupported Perl syntax/)
  })
})
