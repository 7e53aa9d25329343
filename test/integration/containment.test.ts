// Processes that leave the instance's process group and drop MAR_RUN_ID
// (setsid, double forks, `env -i`) are still found and stopped, in both
// containment modes, and an unrelated process that looks just like them is not.
import {afterEach, describe, expect, it} from 'vitest'
import {runStack, type Harness} from '../helpers/stack-harness.js'
import {escapes, startUnrelated, survivors, waitForEscapes, type Escapes} from '../helpers/escapes.js'
import {isAlive, waitFor} from '../helpers/wait.js'
import {probeContainment} from '../../src/supervisor/cgroup.js'
import {readMarker} from '../../src/supervisor/marker.js'

const cgroupsWork = probeContainment().mode === 'cgroup'
let harness: Harness | undefined
let e: Escapes | undefined
afterEach(async () => {
  // The test's own sleeps first, by pid: they must not outlive a failed test either.
  e?.cleanup()
  e = undefined
  await harness?.cleanup()
  harness = undefined
})

const config = (args: string[], extra = '') => `runners: { t: { cmd: [sh, $FIXTURES/escape.sh, ${args.join(', ')}], stop: { timeout: 10s }${extra} } }`

for (const cgroups of cgroupsWork ? [false, true] : [false]) {
  const label = cgroups ? 'cgroup' : 'process group'
  describe(`escapees (${label} mode)`, () => {
    it('a stop leaves none of them, and the look-alike outside mar runs on', async () => {
      e = escapes()
      const unrelated = await startUnrelated(e)
      harness = await runStack(config(e.args), {cgroups})
      const found = await waitForEscapes(e)
      if (!cgroups) {
        // All of them carry the instance's marker; the look-alike carries none.
        const marker = readMarker(harness.pidOf('t.1')!)
        expect(marker).not.toBeNull()
        for (const arg of e.args) expect(readMarker(found.get(arg)!), arg).toBe(marker)
        expect(readMarker(unrelated)).toBeNull()
      }
      const began = Date.now()
      await harness.proc.stop()
      expect(survivors(e)).toEqual([])
      // They got the stop signal, not the rest of the grace period and then SIGKILL.
      expect(Date.now() - began).toBeLessThan(5000)
      expect(isAlive(unrelated)).toBe(true)
    })

    it('a main process that ends by itself takes them along', async () => {
      e = escapes()
      const unrelated = await startUnrelated(e)
      harness = await runStack(config(e.args.slice(0, 3), ', restart: never'), {cgroups})
      await waitForEscapes(e, 3)
      await harness.waitForState('t.1', 'crashed')
      await waitFor('the escapees to be gone', () => survivors(e!).length === 0, 5000)
      expect(isAlive(unrelated)).toBe(true)
    })
  })
}
