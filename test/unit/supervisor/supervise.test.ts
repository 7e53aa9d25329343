import {describe, expect, it} from 'vitest'
import {FakeClock, flush} from '../../helpers/fake-clock.js'
import {FakeFleet, type FakeOptions} from '../../helpers/fake-fleet.js'
import {aborted, start, type SupervisorEvent} from '../../../src/supervisor/runner.js'
import {supervise, type MemberSpec} from '../../../src/supervisor/supervise.js'
import type {RestartSpec, RestartStrategy} from '../../../src/config/types.js'
import {GroupError, SpawnFailed} from '../../../src/supervisor/errors.js'

const backoff = {initialMs: 100, maxMs: 1000, factor: 2}
const always: RestartSpec = {policy: 'always', backoff}

function setup(
  members: Array<{name: string; runner?: string; restart?: RestartSpec; oneshot?: boolean; fake?: FakeOptions}>,
  options: {strategy?: RestartStrategy; start?: 'parallel' | 'ordered'; keepAlive?: boolean; limit?: {count: number; windowMs: number}} = {},
) {
  const clock = new FakeClock()
  const fleet = new FakeFleet(clock)
  const specs: MemberSpec[] = members.map((m) => ({
    name: m.name,
    runner: m.runner ?? m.name.split('.')[0]!,
    run: fleet.runner(m.name, {...m.fake, oneshot: m.oneshot}),
    restart: m.restart ?? always,
    oneshot: m.oneshot ?? false,
  }))
  const {runner, control} = supervise(specs, {
    name: 'g',
    start: options.start ?? 'parallel',
    strategy: options.strategy ?? 'one-for-one',
    keepAlive: options.keepAlive,
    limit: options.limit,
    random: () => 0,
  })
  const proc = start(runner, {name: 'g', clock, emit: fleet.record})
  return {clock, fleet, proc, control}
}

describe('supervise: start and stop', () => {
  it('starts parallel members at once and is ready when all are', async () => {
    const {clock, fleet, proc} = setup([{name: 'a.1', fake: {readyAfterMs: 50}}, {name: 'b.1', fake: {readyAfterMs: 80}}])
    await clock.advance(0)
    expect(fleet.runningNames()).toEqual(['a.1', 'b.1'])
    await clock.advance(60)
    expect(proc.isReady).toBe(false)
    await clock.advance(30)
    expect(proc.isReady).toBe(true)
    await proc.stop()
    expect(fleet.runningNames()).toEqual([])
  })

  it('starts ordered members one at a time after the previous is ready, stops in reverse', async () => {
    const {clock, fleet, proc} = setup(
      [{name: 'db.1', fake: {readyAfterMs: 100}}, {name: 'cache.1', fake: {readyAfterMs: 100}}, {name: 'web.1'}],
      {start: 'ordered'},
    )
    await clock.advance(50)
    expect(fleet.runningNames()).toEqual(['db.1'])
    await clock.advance(60)
    expect(fleet.runningNames()).toEqual(['db.1', 'cache.1'])
    await clock.advance(100)
    expect(fleet.runningNames()).toEqual(['db.1', 'cache.1', 'web.1'])
    await proc.stop()
    expect(fleet.log.filter((l) => l.startsWith('stop'))).toEqual(['stop web.1', 'stop cache.1', 'stop db.1'])
  })

  it('a oneshot in an ordered group lets the next start only once it completed', async () => {
    const {clock, fleet, proc} = setup(
      [{name: 'migrate.1', oneshot: true, restart: {policy: 'never', backoff}, fake: {exitAfter: {ms: 100, code: 0}}}, {name: 'web.1'}],
      {start: 'ordered'},
    )
    await clock.advance(50)
    expect(fleet.runningNames()).toEqual(['migrate.1'])
    await clock.advance(60)
    expect(fleet.runningNames()).toEqual(['web.1'])
    await proc.stop()
  })

  it('ends when every member ended unless keepAlive', async () => {
    const {clock, proc} = setup([{name: 'task.1', oneshot: true, fake: {exitAfter: {ms: 10, code: 0}}}])
    await clock.advance(20)
    expect(proc.isExited).toBe(true)
    await expect(proc.exited).resolves.toBeUndefined()
  })
})

describe('supervise: restart strategies', () => {
  it('one-for-one restarts only the crashed instance, after backoff', async () => {
    const {clock, fleet, proc} = setup([{name: 'a.1'}, {name: 'b.1'}])
    await clock.advance(0)
    fleet.crash('a.1')
    await clock.advance(50)
    expect(fleet.runningNames()).toEqual(['b.1'])
    expect(fleet.statesOf('a.1').at(-1)).toBe('backoff')
    await clock.advance(50)
    expect(fleet.runsOf('a.1')).toHaveLength(2)
    expect(fleet.runsOf('b.1')).toHaveLength(1)
    await proc.stop()
  })

  it('backoff grows with consecutive crashes', async () => {
    const {clock, fleet, proc} = setup([{name: 'a.1'}])
    await clock.advance(0)
    const gaps: number[] = []
    for (let i = 0; i < 4; i++) {
      const crashedAt = clock.now()
      fleet.crash('a.1')
      await clock.advance(0)
      while (!fleet.isRunning('a.1')) await clock.advance(10)
      gaps.push(clock.now() - crashedAt)
    }
    expect(gaps).toEqual([100, 200, 400, 800])
    await proc.stop()
  })

  it('one-for-all stops the others in reverse and restarts everything in order', async () => {
    const {clock, fleet, proc} = setup([{name: 'a.1'}, {name: 'b.1'}, {name: 'c.1'}], {strategy: 'one-for-all'})
    await clock.advance(0)
    fleet.crash('b.1')
    await clock.advance(10)
    expect(fleet.runningNames()).toEqual([])
    expect(fleet.log.slice(6)).toEqual(['exit b.1 1', 'stop c.1', 'stop a.1'])
    await clock.advance(100)
    expect(fleet.runningNames().sort()).toEqual(['a.1', 'b.1', 'c.1'])
    expect(fleet.runs.map((r) => r.name).slice(3)).toEqual(['a.1', 'b.1', 'c.1'])
    await proc.stop()
  })

  it('rest-for-one restarts the crashed runner and the ones declared after it', async () => {
    const {clock, fleet, proc} = setup([{name: 'a.1'}, {name: 'b.1'}, {name: 'b.2'}, {name: 'c.1'}], {strategy: 'rest-for-one'})
    await clock.advance(0)
    fleet.crash('b.1')
    await clock.advance(150)
    expect(fleet.runsOf('a.1')).toHaveLength(1)
    expect(fleet.runsOf('b.1')).toHaveLength(2)
    expect(fleet.runsOf('b.2')).toHaveLength(2)
    expect(fleet.runsOf('c.1')).toHaveLength(2)
    await proc.stop()
  })

  it('on-failure leaves a clean exit alone; never leaves a crash alone', async () => {
    const {clock, fleet, proc} = setup(
      [
        {name: 'a.1', restart: {policy: 'on-failure', backoff}},
        {name: 'b.1', restart: {policy: 'never', backoff}},
        {name: 'c.1'},
      ],
      {keepAlive: true},
    )
    await clock.advance(0)
    fleet.current('a.1')!.end({code: 0})
    fleet.crash('b.1')
    await clock.advance(5000)
    expect(fleet.runsOf('a.1')).toHaveLength(1)
    expect(fleet.runsOf('b.1')).toHaveLength(1)
    expect(fleet.statesOf('a.1').at(-1)).toBe('exited')
    expect(fleet.statesOf('b.1').at(-1)).toBe('crashed')
    await proc.stop()
  })
})

describe('supervise: limits and escalation', () => {
  it('marks an instance failed past its limit; one-for-one siblings go on', async () => {
    const limited: RestartSpec = {policy: 'always', backoff, limit: {count: 2, windowMs: 60_000}}
    const {clock, fleet, proc} = setup([{name: 'a.1', restart: limited}, {name: 'b.1'}], {keepAlive: true})
    await clock.advance(0)
    for (let i = 0; i < 3; i++) {
      fleet.crash('a.1')
      await clock.advance(1000)
    }
    expect(fleet.runsOf('a.1')).toHaveLength(3)
    expect(fleet.statesOf('a.1').at(-1)).toBe('failed')
    expect(fleet.isRunning('b.1')).toBe(true)
    expect(proc.isExited).toBe(false)
    await proc.stop()
  })

  it('fails the whole group under one-for-all when a member is past its limit', async () => {
    const limited: RestartSpec = {policy: 'always', backoff, limit: {count: 1, windowMs: 60_000}}
    const {clock, fleet, proc} = setup([{name: 'a.1', restart: limited}, {name: 'b.1'}], {strategy: 'one-for-all'})
    await clock.advance(0)
    fleet.crash('a.1')
    await clock.advance(500)
    fleet.crash('a.1')
    await clock.advance(500)
    expect(proc.isExited).toBe(true)
    const error = await proc.exited.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GroupError)
    expect((error as GroupError).code).toBe('group-failed')
    expect((error as GroupError).trace.map((t) => t.name)).toEqual(['a.1'])
    expect(fleet.runningNames()).toEqual([])
  })

  it('fails the group when the group intensity is exceeded', async () => {
    const {clock, fleet, proc} = setup([{name: 'a.1'}, {name: 'b.1'}], {limit: {count: 2, windowMs: 10_000}})
    await clock.advance(0)
    fleet.crash('a.1')
    await clock.advance(500)
    fleet.crash('b.1')
    await clock.advance(500)
    expect(proc.isExited).toBe(false)
    fleet.crash('a.1')
    await clock.advance(500)
    expect(proc.isExited).toBe(true)
    await expect(proc.exited).rejects.toThrow(/group restart limit 2\/10s/)
  })

  it('restart counts never exceed the limit within the window', async () => {
    const limited: RestartSpec = {policy: 'always', backoff: {initialMs: 0, maxMs: 0, factor: 2}, limit: {count: 3, windowMs: 1000}}
    const {clock, fleet, proc} = setup([{name: 'a.1', restart: limited}], {keepAlive: true})
    await clock.advance(0)
    for (let i = 0; i < 10 && fleet.isRunning('a.1'); i++) {
      fleet.crash('a.1')
      await clock.advance(1)
    }
    expect(fleet.runsOf('a.1')).toHaveLength(4)
    await proc.stop()
  })
})

describe('supervise: control', () => {
  it('stops and starts a member on request without treating it as a failure', async () => {
    const {clock, fleet, proc, control} = setup([{name: 'a.1'}, {name: 'b.1'}], {keepAlive: true})
    await clock.advance(0)
    await control.stopMember('a.1')
    await clock.advance(5000)
    expect(fleet.runningNames()).toEqual(['b.1'])
    const started = control.startMember('a.1')
    await clock.advance(0)
    await started
    expect(fleet.runningNames().sort()).toEqual(['a.1', 'b.1'])
    await proc.stop()
  })

  it('restartMember resolves once the member is ready again', async () => {
    const {clock, fleet, proc, control} = setup([{name: 'a.1', fake: {readyAfterMs: 100}}], {keepAlive: true})
    await clock.advance(100)
    let done = false
    const restarted = control.restartMember('a.1').then(() => (done = true))
    await clock.advance(50)
    expect(done).toBe(false)
    await clock.advance(60)
    await restarted
    expect(fleet.runsOf('a.1')).toHaveLength(2)
    await proc.stop()
    await flush()
  })
})

describe('supervise: spawn failures', () => {
  const run = (name: string, runner: MemberSpec['run']) => {
    const clock = new FakeClock()
    const events: SupervisorEvent[] = []
    const spec: MemberSpec = {name, runner: name.split('.')[0]!, run: runner, restart: always, oneshot: false}
    const {runner: group} = supervise([spec], {name: 'g', start: 'parallel', strategy: 'one-for-one', random: () => 0})
    const proc = start(group, {name: 'g', clock, emit: (event) => events.push(event)})
    const states = () => events.flatMap((e) => (e.kind === 'instance' && e.state ? [e.state] : []))
    return {clock, events, proc, states}
  }

  it('fails a member at once, with its reason, on a failure no retry heals — under restart: always', async () => {
    let tries = 0
    const {clock, events, proc, states} = run('bad.1', async () => {
      tries++
      throw new SpawnFailed('spawn-not-executable', './x is not executable', true)
    })
    await clock.advance(10_000)
    expect(tries).toBe(1)
    expect(states()).toEqual(['failed'])
    expect(events.find((e) => e.kind === 'instance' && e.state === 'failed')).toMatchObject({why: {reasonCode: 'spawn-not-executable', reason: './x is not executable'}})
    await proc.stop()
  })

  it('retries a transient one (EAGAIN) under the restart policy', async () => {
    let tries = 0
    const {clock, proc, states} = run('busy.1', async (ctx) => {
      if (++tries < 3) throw new SpawnFailed('spawn-failed', 'spawn failed: spawn x EAGAIN', false)
      ctx.ready()
      await aborted(ctx.signal)
    })
    await clock.advance(10_000)
    await flush()
    expect(tries).toBe(3)
    expect(states()).toEqual(['backoff', 'backoff'])
    expect(proc.isReady).toBe(true)
    await proc.stop()
  })
})
