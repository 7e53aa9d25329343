// Property test of the supervision core: for random stacks of groups and
// random sequences of exits and crashes, (a) after stop no runner is left
// running, (b) no instance restarts more often than its limit allows within
// the window, (c) a dependent never starts before its dependency's
// condition holds.
import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {FakeClock} from '../../helpers/fake-clock.js'
import {FakeFleet} from '../../helpers/fake-fleet.js'
import {start} from '../../../src/supervisor/runner.js'
import {supervise} from '../../../src/supervisor/supervise.js'
import {dependencyGraph, type GraphNode} from '../../../src/supervisor/graph.js'
import type {DependencyCondition, RestartPolicy, RestartStrategy} from '../../../src/config/types.js'

const memberArb = fc.record({
  oneshot: fc.boolean(),
  policy: fc.constantFrom<RestartPolicy>('always', 'on-failure', 'never'),
  limit: fc.option(fc.record({count: fc.integer({min: 1, max: 3}), windowMs: fc.constantFrom(500, 2000)}), {nil: undefined}),
  readyAfterMs: fc.integer({min: 0, max: 300}),
  exitAfterMs: fc.integer({min: 1, max: 400}),
})

const groupArb = fc.record({
  start: fc.constantFrom<'parallel' | 'ordered'>('parallel', 'ordered'),
  strategy: fc.constantFrom<RestartStrategy>('one-for-one', 'one-for-all', 'rest-for-one'),
  members: fc.array(memberArb, {minLength: 1, maxLength: 3}),
  deps: fc.array(fc.record({on: fc.nat(), condition: fc.constantFrom<DependencyCondition>('ready', 'started', 'completed')}), {maxLength: 2}),
})

const actionArb = fc.oneof(
  fc.record({kind: fc.constant('advance' as const), ms: fc.integer({min: 1, max: 700})}),
  fc.record({kind: fc.constant('crash' as const), target: fc.nat(), code: fc.constantFrom(0, 1, 137)}),
)

describe('supervision properties', () => {
  it('holds (a) no runner after stop, (b) restart limits, (c) dependency order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(groupArb, {minLength: 1, maxLength: 4}), fc.array(actionArb, {maxLength: 25}), async (groups, actions) => {
        const clock = new FakeClock()
        const fleet = new FakeFleet(clock)
        const names = groups.map((g, gi) => g.members.map((_, mi) => `g${gi}r${mi}.1`))
        const nodes: GraphNode[] = groups.map((g, gi) => ({
          name: `g${gi}`,
          // Only depend on earlier groups: the config loader rejects cycles.
          dependsOn: gi === 0 ? [] : [...new Map(g.deps.map((d) => [d.on % gi, d])).values()].map((d) => ({name: `g${d.on % gi}`, condition: d.condition})),
          runner: supervise(
            g.members.map((m, mi) => ({
              name: names[gi]![mi]!,
              runner: `g${gi}r${mi}`,
              run: fleet.runner(names[gi]![mi]!, m.oneshot ? {oneshot: true, exitAfter: {ms: m.exitAfterMs, code: 0}} : {readyAfterMs: m.readyAfterMs}),
              restart: {policy: m.policy, backoff: {initialMs: 50, maxMs: 400, factor: 2}, limit: m.limit},
              oneshot: m.oneshot,
            })),
            {name: `g${gi}`, start: g.start, strategy: g.strategy, random: () => 0.5},
          ).runner,
        }))
        const proc = start(dependencyGraph(nodes), {name: 'stack', clock, emit: fleet.record})
        const all = names.flat()
        for (const action of actions) {
          if (action.kind === 'advance') await clock.advance(action.ms)
          else {
            const target = all[action.target % all.length]!
            if (fleet.isRunning(target)) fleet.crash(target, action.code)
            await clock.advance(0)
          }
        }
        const stopped = proc.stop()
        await clock.advance(0)
        await stopped
        // (a)
        expect(fleet.runningNames()).toEqual([])
        // (b) under one-for-one every restart of an instance is its own.
        groups.forEach((g, gi) => {
          if (g.strategy !== 'one-for-one') return
          g.members.forEach((m, mi) => {
            if (!m.limit) return
            const restarts = fleet.runsOf(names[gi]![mi]!).slice(1).map((r) => r.startedAt)
            for (const t of restarts) {
              const inWindow = restarts.filter((u) => u > t - m.limit!.windowMs && u <= t).length
              expect(inWindow).toBeLessThanOrEqual(m.limit.count)
            }
          })
        })
        // (c)
        const phaseAt = (group: string, phases: string[]) =>
          fleet.events.findIndex((e) => e.kind === 'group' && e.name === group && phases.includes(e.phase))
        nodes.forEach((node, gi) => {
          const firstStart = fleet.events.findIndex((e) => e.kind === 'instance' && e.state === 'running' && names[gi]!.includes(e.name))
          if (firstStart < 0) return
          for (const dep of node.dependsOn) {
            const wanted = dep.condition === 'started' ? ['started', 'ready', 'completed'] : [dep.condition]
            const reached = phaseAt(dep.name, wanted)
            expect(reached).toBeGreaterThanOrEqual(0)
            expect(reached).toBeLessThan(firstStart)
          }
        })
      }),
      {numRuns: Number(process.env.PROPERTY_RUNS ?? 150)},
    )
  })
})
