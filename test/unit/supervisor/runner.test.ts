import {describe, expect, it} from 'vitest'
import {FakeClock} from '../../helpers/fake-clock.js'
import {FakeFleet} from '../../helpers/fake-fleet.js'
import {start, aborted, type Runner} from '../../../src/supervisor/runner.js'
import {probe} from '../../../src/supervisor/probe.js'
import {health} from '../../../src/supervisor/health.js'
import {CheckFailed, type Check} from '../../../src/supervisor/checks/check.js'
import {GroupError} from '../../../src/supervisor/errors.js'

describe('start', () => {
  it('ready resolves once the runner is ready, and stop ends it', async () => {
    const log: string[] = []
    const runner: Runner = async (ctx) => {
      log.push('setup')
      ctx.ready()
      await aborted(ctx.signal)
      log.push('teardown')
    }
    const proc = start(runner, {name: 'fn'})
    await proc.ready
    expect(proc.isReady).toBe(true)
    await proc.stop()
    expect(log).toEqual(['setup', 'teardown'])
    await expect(proc.exited).resolves.toBeUndefined()
  })

  it('ready rejects with the failure when the runner fails before ready', async () => {
    const runner: Runner = async () => {
      throw new Error('boom')
    }
    await expect(start(runner, {name: 'fn'}).ready).rejects.toThrow('boom')
  })

  it('a clean return before ready rejects ready with a coded error', async () => {
    const proc = start(async () => {}, {name: 'fn'})
    await expect(proc.ready).rejects.toMatchObject({code: 'exited-before-ready'})
  })

  it("a parent's kill reaches its children", async () => {
    let childKilled = false
    const child: Runner = async (ctx) => {
      ctx.ready()
      await aborted(ctx.killSignal)
      childKilled = true
    }
    const parent: Runner = async (ctx) => {
      const proc = start(child, {name: 'child', parent: ctx})
      ctx.ready()
      await proc.exited
    }
    const proc = start(parent, {name: 'parent'})
    await proc.ready
    await proc.stop('kill')
    expect(childKilled).toBe(true)
  })
})

function scriptedCheck(results: boolean[]): Check & {calls: number} {
  const check = {
    calls: 0,
    describe: () => 'scripted',
    async attempt() {
      const ok = results[Math.min(check.calls, results.length - 1)]
      check.calls += 1
      if (!ok) throw new CheckFailed(`attempt ${check.calls} failed`)
    },
  }
  return check
}
describe('probe and health', () => {
  it('ready only when the check passes', async () => {
    const clock = new FakeClock()
    const fleet = new FakeFleet(clock)
    const check = scriptedCheck([false, false, true])
    const proc = start(probe(fleet.runner('web.1'), {check: {kind: 'notify'}, timeoutMs: 5000, intervalMs: 100}, () => check), {name: 'web.1', clock, emit: fleet.record})
    await clock.advance(150)
    expect(proc.isReady).toBe(false)
    await clock.advance(100)
    expect(proc.isReady).toBe(true)
    expect(fleet.statesOf('web.1')).toEqual(['running', 'ready'])
    await proc.stop()
  })

  it('a probe that never passes fails the instance with its last error', async () => {
    const clock = new FakeClock()
    const fleet = new FakeFleet(clock)
    const proc = start(probe(fleet.runner('web.1'), {check: {kind: 'notify'}, timeoutMs: 1000, intervalMs: 100}, () => scriptedCheck([false])), {name: 'web.1', clock, emit: fleet.record})
    await clock.advance(1200)
    expect(proc.isExited).toBe(true)
    await expect(proc.exited).rejects.toMatchObject({code: 'ready-failed'})
    await expect(proc.exited).rejects.toThrow(/attempt \d+ failed \(gave up after 1000ms\)/)
    expect(fleet.isRunning('web.1')).toBe(false)
  })

  it('restarts after `failures` consecutive health failures', async () => {
    const clock = new FakeClock()
    const fleet = new FakeFleet(clock)
    const check = scriptedCheck([true, false, true, false, false, false])
    const proc = start(health(fleet.runner('web.1'), {check: {kind: 'notify'}, timeoutMs: 100, intervalMs: 1000, failures: 3}, () => check), {name: 'web.1', clock, emit: fleet.record})
    await clock.advance(5500)
    expect(proc.isExited).toBe(false)
    await clock.advance(1000)
    expect(proc.isExited).toBe(true)
    await expect(proc.exited).rejects.toMatchObject({code: 'unhealthy'})
    expect(fleet.statesOf('web.1')).toContain('unhealthy')
  })
})
