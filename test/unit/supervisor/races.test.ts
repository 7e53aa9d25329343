// Races the code review found: a stop during a wrapper's set-up, a start
// during a slow stop, a reload during a stop, and recovery of a failed
// dependency in the daemon (keepAlive).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {FakeClock, flush} from '../../helpers/fake-clock.js'
import {FakeFleet} from '../../helpers/fake-fleet.js'
import {aborted, start, type Runner} from '../../../src/supervisor/runner.js'
import {sleep} from '../../../src/supervisor/clock.js'
import {probe} from '../../../src/supervisor/probe.js'
import {health} from '../../../src/supervisor/health.js'
import {watch} from '../../../src/supervisor/watch.js'
import {supervise} from '../../../src/supervisor/supervise.js'
import {dependencyGraph} from '../../../src/supervisor/graph.js'
import type {RestartSpec} from '../../../src/config/types.js'

const always: RestartSpec = {policy: 'always', backoff: {initialMs: 100, maxMs: 1000, factor: 2}}
const check = () => ({describe: () => 'x', async prepare() {}, async attempt() {}})

describe('a stop while a wrapper is still setting up', () => {
  const wrappers: Array<[string, (inner: Runner, dir: string) => Runner]> = [
    ['probe', (inner) => probe(inner, {check: {kind: 'notify'}, timeoutMs: 1000, intervalMs: 100}, check)],
    ['health', (inner) => health(inner, {check: {kind: 'notify'}, timeoutMs: 1000, intervalMs: 100, failures: 3}, check)],
    ['watch', (inner, dir) => watch(inner, {paths: [dir], ignore: [], debounceMs: 100}, dir)],
  ]
  for (const [label, wrap] of wrappers) {
    it(`${label}: ends promptly and never starts the program`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mar-race-'))
      try {
        let runs = 0
        const inner: Runner = async (ctx) => {
          runs++
          ctx.ready()
          await aborted(ctx.signal)
        }
        const proc = start(wrap(inner, dir), {name: 'w'})
        await proc.stop()
        expect(proc.isExited).toBe(true)
        expect(runs).toBe(0)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
  }
})

describe('control of one member from two sides at once', () => {
  function slowStopper(clock: FakeClock) {
    const state = {live: 0, runs: 0}
    const runner: Runner = async (ctx) => {
      state.runs++
      state.live++
      ctx.ready()
      await aborted(ctx.signal)
      await sleep(clock, 1000) // a graceful stop that takes a second
      state.live--
    }
    return {runner, state}
  }

  /** One slow-stopping member in a group, started, and 10 ms into being stopped. */
  async function stoppingSlowly() {
    const clock = new FakeClock()
    const {runner, state} = slowStopper(clock)
    const {runner: group, control} = supervise([{name: 'a.1', runner: 'a', run: runner, restart: always, oneshot: false}], {name: 'g', start: 'parallel', strategy: 'one-for-one', keepAlive: true})
    const proc = start(group, {name: 'g', clock})
    await clock.advance(0)
    const stopping = control.stopMember('a.1')
    await clock.advance(10)
    return {clock, runner, state, control, proc, stopping}
  }

  it('a start during a slow stop waits for it: never two runs at once, and it ends up running', async () => {
    const {clock, state, control, proc, stopping} = await stoppingSlowly()
    const starting = control.startMember('a.1')
    await clock.advance(500)
    expect(state.live).toBe(1)
    expect(state.runs).toBe(1)
    await clock.advance(600)
    await stopping
    await starting
    expect(state.runs).toBe(2)
    expect(state.live).toBe(1)
    const stopped = proc.stop()
    await clock.advance(2000)
    await stopped
    expect(state.live).toBe(0)
  })

  it('a reload of a member being stopped keeps it stopped', async () => {
    const {clock, runner, state, control, proc, stopping} = await stoppingSlowly()
    const replacing = control.replaceMember({name: 'a.1', runner: 'a', run: runner, restart: always, oneshot: false})
    await clock.advance(2000)
    await stopping
    await replacing
    expect(state.live).toBe(0)
    expect(state.runs).toBe(1)
    await proc.stop()
    await flush()
  })
})

describe('recovery of a failed dependency (daemon, keepAlive)', () => {
  it('what was stopped because a dependency failed comes back once the dependency is started again', async () => {
    const clock = new FakeClock()
    const fleet = new FakeFleet(clock)
    const limited: RestartSpec = {...always, limit: {count: 1, windowMs: 100_000}}
    const group = (name: string, restart: RestartSpec) =>
      supervise([{name: `${name}.1`, runner: name, run: fleet.runner(`${name}.1`), restart, oneshot: false}], {name, start: 'parallel', strategy: 'one-for-all', keepAlive: true, random: () => 0})
    const a = group('a', limited)
    const b = group('b', always)
    const stack = dependencyGraph(
      [
        {name: 'a', runner: a.runner, dependsOn: []},
        {name: 'b', runner: b.runner, dependsOn: [{name: 'a', condition: 'ready'}]},
      ],
      {keepAlive: true},
    )
    const proc = start(stack, {name: 's', clock, emit: fleet.record})
    await clock.advance(10)
    expect(fleet.runningNames().sort()).toEqual(['a.1', 'b.1'])
    fleet.crash('a.1')
    await clock.advance(200)
    fleet.crash('a.1')
    await clock.advance(200)
    expect(fleet.runningNames()).toEqual([])
    const restarted = a.control.startMember('a.1')
    await clock.advance(10)
    await restarted
    await clock.advance(10)
    expect(fleet.runningNames().sort()).toEqual(['a.1', 'b.1'])
    await proc.stop()
  })
})
