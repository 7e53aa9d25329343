// Pairs of operations on one stack that could race, each under the queue's
// rule (README, "Architecture: the concurrency rule"), with fake programs
// and fake time: the real daemon, runtime and supervisor, no processes.
import {afterEach, describe, expect, it} from 'vitest'
import {flush} from '../../helpers/fake-clock.js'
import {fakeDaemon, fakePlan, type FakeDaemon} from '../../helpers/fake-daemon.js'

let f: FakeDaemon | undefined
afterEach(async () => {
  await f?.cleanup()
  f = undefined
})

const ref = {name: 'shop'}
const settled = <T>(promise: Promise<T>) => {
  const state = {done: false}
  void promise.then(
    () => (state.done = true),
    () => (state.done = true),
  )
  return state
}

describe('operations on one stack, two at a time', () => {
  it('a reload waits for a restart in flight, and a restart asked during the reload waits for the reload', async () => {
    f = fakeDaemon()
    const ready = (ms: number) => fakePlan('shop', {app: {runners: {web: {scale: 2, ready: true, fake: {readyAfterMs: ms}}}}})
    await f.daemon.up(ready(100), [])
    await f.clock.advance(100)
    const restarting = f.daemon.restart(ref, ['web.1'])
    await flush()
    const reloading = f.daemon.reload(ready(200), false)
    const reload = settled(reloading)
    await flush()
    expect(f.fleet.runsOf('web.2')).toHaveLength(1) // the reload has not touched web.2
    await f.clock.advance(100) // web.1 ready again: the restart ends, the reload begins
    expect((await restarting).results).toMatchObject([{instance: 'web.1', ok: true}])
    const second = f.daemon.restart(ref, ['web.2'])
    await f.clock.advance(200)
    expect(reload.done).toBe(false) // rolling: web.2 after web.1
    const runsDuringReload = f.fleet.runsOf('web.2').length
    await f.clock.advance(200)
    expect((await reloading).changes.map((c) => c.instance)).toEqual(['web.1', 'web.2'])
    expect(runsDuringReload).toBe(2) // only the reload's own restart of web.2 so far
    await f.clock.advance(200)
    expect((await second).results).toMatchObject([{instance: 'web.2', ok: true}])
    expect(f.fleet.log.indexOf('ready web.1')).toBeLessThan(f.fleet.log.indexOf('stop web.2'))
  })

  it('two restarts of one instance at once both report the truth: each restarted it, one after the other, and it ends ready', async () => {
    f = fakeDaemon()
    await f.daemon.up(fakePlan('shop', {db: {runners: {db: {ready: true, fake: {readyAfterMs: 100}}}}}), [])
    await f.clock.advance(100)
    const first = f.daemon.restart(ref, ['db.1'])
    const second = f.daemon.restart(ref, ['db.1'])
    await f.clock.advance(100)
    await f.clock.advance(100)
    expect((await first).results).toEqual([{instance: 'db.1', ok: true, message: 'restarted'}])
    expect((await second).results).toEqual([{instance: 'db.1', ok: true, message: 'restarted'}])
    expect(f.fleet.runsOf('db.1')).toHaveLength(3)
    expect(f.daemon.status().stacks[0]!.instances[0]).toMatchObject({state: 'ready', restarts: 2})
  })

  it('a stop cancels a restart that waits for readiness, and wins', async () => {
    f = fakeDaemon()
    await f.daemon.up(fakePlan('shop', {app: {runners: {web: {ready: true, fake: {readyAfterMs: 10_000}}}}}), [])
    await f.clock.advance(10_000)
    const restarting = f.daemon.restart(ref, ['web.1'])
    await flush()
    expect(f.fleet.isRunning('web.1')).toBe(true) // the new run, not ready yet
    const stopped = await f.daemon.stop(ref, ['web.1'])
    expect(stopped.results).toMatchObject([{instance: 'web.1', ok: true}])
    expect((await restarting).results).toMatchObject([{instance: 'web.1', ok: false, code: 'cancelled', message: 'cancelled by mar stop'}])
    expect(f.fleet.isRunning('web.1')).toBe(false)
    expect(f.daemon.status().stacks[0]!.instances[0]).toMatchObject({state: 'stopped', reasonCode: 'stopped-by-user'})
  })

  it('down, then up of the same stack: the new run starts only once the old one has stopped', async () => {
    f = fakeDaemon()
    const plan = fakePlan('shop', {app: {runners: {web: {fake: {stopAfterMs: 500}}}}})
    await f.daemon.up(plan, [])
    const downing = f.daemon.down(ref, [])
    await flush()
    const upping = f.daemon.up(plan, [])
    await f.clock.advance(400)
    expect(f.fleet.runsOf('web.1')).toHaveLength(1)
    await f.clock.advance(100)
    await downing
    await upping
    const [first, second] = f.fleet.runsOf('web.1')
    expect(second!.startedAt).toBeGreaterThanOrEqual(first!.endedAt!)
    expect(f.daemon.runtimes().map((r) => r.name)).toEqual(['shop'])
  })

  it('two ups of a new stack at once make one stack, each instance started once', async () => {
    f = fakeDaemon()
    const plan = fakePlan('shop', {app: {runners: {web: {scale: 2}}}})
    const [a, b] = await Promise.all([f.daemon.up(plan, []), f.daemon.up(plan, [])])
    expect(a.instances).toEqual(['web.1', 'web.2'])
    expect(b.changes).toEqual([])
    expect(f.daemon.runtimes()).toHaveLength(1)
    expect(f.fleet.runsOf('web.1')).toHaveLength(1)
    expect(f.fleet.runsOf('web.2')).toHaveLength(1)
  })

  it('a start and a stop of different instances interleave', async () => {
    f = fakeDaemon()
    await f.daemon.up(fakePlan('shop', {app: {runners: {web: {ready: true, fake: {readyAfterMs: 1000}}, worker: {}}}}), [])
    await f.clock.advance(1000)
    await f.daemon.stop(ref, ['web.1'])
    const starting = f.daemon.start(ref, ['web.1'])
    const start = settled(starting)
    await flush()
    expect((await f.daemon.stop(ref, ['worker.1'])).results).toMatchObject([{ok: true}])
    expect(start.done).toBe(false) // still waiting for web.1 to be ready
    await f.clock.advance(1000)
    expect((await starting).results).toMatchObject([{instance: 'web.1', ok: true, message: 'started'}])
  })

  it('a signal waits for a restart of the same instance and reaches its new run', async () => {
    f = fakeDaemon()
    await f.daemon.up(fakePlan('shop', {app: {runners: {web: {ready: true, fake: {readyAfterMs: 100}}}}}), [])
    await f.clock.advance(100)
    const restarting = f.daemon.restart(ref, ['web.1'])
    await flush()
    const signalling = f.daemon.signal(ref, ['web.1'], 'SIGHUP')
    const signal = settled(signalling)
    await flush()
    expect(signal.done).toBe(false)
    await f.clock.advance(100)
    await restarting
    const result = await signalling
    // The fake pid is above pid_max: the delivery fails as for a process that is gone.
    expect(result.results).toMatchObject([{instance: 'web.1'}])
    expect(f.fleet.runsOf('web.1')).toHaveLength(2)
  })

  it('down cancels a reload that waits for a new instance to be ready', async () => {
    f = fakeDaemon()
    await f.daemon.up(fakePlan('shop', {app: {runners: {web: {ready: true, fake: {readyAfterMs: 10}}}}}), [])
    await f.clock.advance(10)
    const reloading = f.daemon.reload(fakePlan('shop', {app: {runners: {web: {ready: true, fake: {readyAfterMs: 1e9}}}}}), false)
    await flush()
    await f.daemon.down(ref, [])
    await expect(reloading).rejects.toMatchObject({code: 'cancelled'})
    expect(f.fleet.runningNames()).toEqual([])
  })

  it('the daemon stopping cancels a start that waits for readiness and stops everything', async () => {
    f = fakeDaemon()
    await f.daemon.up(fakePlan('shop', {app: {runners: {web: {ready: true, fake: {readyAfterMs: 1e9}}}}}), ['web'])
    const results = f.daemon.start(ref, ['web.1'])
    await flush()
    await f.daemon.shutdown(false)
    expect((await results).results[0]).toMatchObject({ok: true, message: 'already running'})
    expect(f.fleet.runningNames()).toEqual([])
    await expect(f.daemon.up(fakePlan('other', {app: {runners: {x: {}}}}), [])).rejects.toMatchObject({code: 'daemon-stopping'})
  })
})
