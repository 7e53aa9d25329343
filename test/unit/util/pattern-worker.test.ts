// A user's --grep pattern in the daemon: RE2 matches in linear time, but the
// factor is the pattern's size — `\pL{1000}\pN` took seconds per line of
// letters and 300 such lines held the daemon's event loop for minutes. The
// costly work runs in a worker thread; the event loop keeps its turns.
import {afterEach, describe, expect, it} from 'vitest'
import {compileOffLoop, type OffLoopMatcher} from '../../../src/util/pattern-worker.js'
import {watchEventLoop} from '../../helpers/event-loop.js'

const matchers: OffLoopMatcher[] = []
afterEach(() => matchers.splice(0).forEach((m) => m.cancel()))

describe('the daemon\'s --grep', () => {
  it('answers cheap patterns as RE2 does, and a bad one with one line', async () => {
    const grep = await compileOffLoop('err(or)?|warn', '--grep')
    matchers.push(grep)
    expect(await grep.test('an error here')).toBe(true)
    expect(await grep.test('all fine')).toBe(false)
    expect(await grep.test(`${'x'.repeat(50_000)} warn`)).toBe(true)
    await expect(compileOffLoop('(a', '--grep')).rejects.toMatchObject({code: 'bad-pattern', message: '--grep: missing closing ): `(a`'})
  })

  it('a pattern that costs seconds a line leaves the event loop free, and stops once its request ended', async () => {
    const grep = await compileOffLoop('\\pL{1000}\\pN', '--grep')
    matchers.push(grep)
    const loop = watchEventLoop()
    try {
      const line = 'b'.repeat(3000)
      const started = performance.now()
      expect(await grep.test(line)).toBe(false)
      const took = performance.now() - started
      // Only meaningful when the line was slow at all; on this machine it takes 0.3–8 s.
      if (took > 200) expect(loop.longestGap()).toBeLessThan(took / 2)
      grep.cancel()
      await expect(grep.test(line)).rejects.toMatchObject({code: 'cancelled'})
    } finally {
      loop.stop()
    }
  }, 30_000)
})
