import {describe, expect, it} from 'vitest'
import {FakeClock} from '../../helpers/fake-clock.js'
import {FakeFleet, type FakeOptions} from '../../helpers/fake-fleet.js'
import {start} from '../../../src/supervisor/runner.js'
import {supervise} from '../../../src/supervisor/supervise.js'
import {dependencyGraph, type GraphNode} from '../../../src/supervisor/graph.js'
import type {DependencyCondition, RestartSpec} from '../../../src/config/types.js'

const backoff = {initialMs: 100, maxMs: 1000, factor: 2}

interface GroupDef {
  name: string
  members: Array<{name: string; oneshot?: boolean; restart?: RestartSpec; fake?: FakeOptions}>
  dependsOn?: Array<{name: string; condition: DependencyCondition}>
  strategy?: 'one-for-one' | 'one-for-all'
}

function setup(groups: GroupDef[]) {
  const clock = new FakeClock()
  const fleet = new FakeFleet(clock)
  const blocked: Record<string, string> = {}
  const nodes: GraphNode[] = groups.map((g) => ({
    name: g.name,
    dependsOn: g.dependsOn ?? [],
    onBlocked: (why) => (blocked[g.name] = why.reason ?? ''),
    runner: supervise(
      g.members.map((m) => ({
        name: m.name,
        runner: m.name.split('.')[0]!,
        run: fleet.runner(m.name, {...m.fake, oneshot: m.oneshot}),
        restart: m.restart ?? {policy: m.oneshot ? 'never' : 'always', backoff},
        oneshot: m.oneshot ?? false,
      })),
      {name: g.name, start: 'parallel', strategy: g.strategy ?? 'one-for-one', random: () => 0},
    ).runner,
  }))
  const proc = start(dependencyGraph(nodes), {name: 'stack', clock, emit: fleet.record})
  return {clock, fleet, proc, blocked}
}

describe('dependency graph', () => {
  it('starts a dependent only when its dependency is ready', async () => {
    const {clock, fleet, proc} = setup([
      {name: 'app', members: [{name: 'web.1'}], dependsOn: [{name: 'infra', condition: 'ready'}]},
      {name: 'infra', members: [{name: 'db.1', fake: {readyAfterMs: 300}}]},
    ])
    await clock.advance(200)
    expect(fleet.runningNames()).toEqual(['db.1'])
    await clock.advance(100)
    expect(fleet.runningNames()).toEqual(['db.1', 'web.1'])
    await proc.stop()
    expect(fleet.log.filter((l) => l.startsWith('stop'))).toEqual(['stop web.1', 'stop db.1'])
  })

  it('started: the dependent starts once every instance is spawned, before ready', async () => {
    const {clock, fleet, proc} = setup([
      {name: 'infra', members: [{name: 'db.1', fake: {readyAfterMs: 1000}}]},
      {name: 'app', members: [{name: 'web.1'}], dependsOn: [{name: 'infra', condition: 'started'}]},
    ])
    await clock.advance(1)
    expect(fleet.runningNames()).toEqual(['db.1', 'web.1'])
    await proc.stop()
  })

  it('completed: waits for the oneshots of the dependency to exit 0', async () => {
    const {clock, fleet, proc} = setup([
      {name: 'setup', members: [{name: 'migrate.1', oneshot: true, fake: {exitAfter: {ms: 500, code: 0}}}]},
      {name: 'app', members: [{name: 'web.1'}], dependsOn: [{name: 'setup', condition: 'completed'}]},
    ])
    await clock.advance(400)
    expect(fleet.isRunning('web.1')).toBe(false)
    await clock.advance(100)
    expect(fleet.runningNames()).toEqual(['web.1'])
    await proc.stop()
  })

  it('does not start a group whose dependency failed, and says why', async () => {
    const {clock, fleet, proc, blocked} = setup([
      {name: 'setup', members: [{name: 'migrate.1', oneshot: true, fake: {exitAfter: {ms: 100, code: 3}}}]},
      {name: 'app', members: [{name: 'web.1'}], dependsOn: [{name: 'setup', condition: 'completed'}]},
    ])
    await clock.advance(200)
    expect(fleet.runsOf('web.1')).toHaveLength(0)
    expect(blocked.app).toBe('dependency setup failed (migrate.1 failed: exited: 3)')
    expect(proc.isExited).toBe(true)
    await expect(proc.exited).rejects.toMatchObject({code: 'group-failed'})
  })

  it('stops the dependents of a group that fails while running', async () => {
    const limited: RestartSpec = {policy: 'always', backoff, limit: {count: 1, windowMs: 60_000}}
    const {clock, fleet, proc, blocked} = setup([
      {name: 'infra', strategy: 'one-for-all', members: [{name: 'db.1', restart: limited}]},
      {name: 'app', members: [{name: 'web.1'}], dependsOn: [{name: 'infra', condition: 'ready'}]},
      {name: 'other', members: [{name: 'side.1'}]},
    ])
    await clock.advance(1)
    expect(fleet.runningNames().sort()).toEqual(['db.1', 'side.1', 'web.1'])
    fleet.crash('db.1')
    await clock.advance(200)
    fleet.crash('db.1')
    await clock.advance(200)
    expect(fleet.runningNames()).toEqual(['side.1'])
    expect(blocked.app).toMatch(/^dependency infra failed \(db.1: restart limit \S+ reached\)$/)
    await proc.stop()
  })

  it('stops a diamond in reverse dependency order', async () => {
    const {clock, fleet, proc} = setup([
      {name: 'base', members: [{name: 'a.1'}]},
      {name: 'left', members: [{name: 'b.1'}], dependsOn: [{name: 'base', condition: 'ready'}]},
      {name: 'right', members: [{name: 'c.1'}], dependsOn: [{name: 'base', condition: 'ready'}]},
      {name: 'top', members: [{name: 'd.1'}], dependsOn: [{name: 'left', condition: 'ready'}, {name: 'right', condition: 'ready'}]},
    ])
    await clock.advance(1)
    expect(fleet.runningNames()).toHaveLength(4)
    expect(proc.isReady).toBe(true)
    await proc.stop()
    const stops = fleet.log.filter((l) => l.startsWith('stop'))
    expect(stops[0]).toBe('stop d.1')
    expect(stops[3]).toBe('stop a.1')
  })
})
