// Plans sent to the daemon are checked whole at the door: what is accepted
// can be run and stopped; anything else is a bad-request naming the field.
// Fuzzed with fast-check: mutations of a valid plan at random places.
import fc from 'fast-check'
import {afterEach, describe, expect, it} from 'vitest'
import {checkPlan} from '../../../src/daemon/check-plan.js'
import {packPlan} from '../../../src/config/plan-pack.js'
import {isMarError} from '../../../src/util/errors.js'
import {fakeDaemon, fakePlan, type FakeDaemon} from '../../helpers/fake-daemon.js'

let f: FakeDaemon | undefined
afterEach(async () => {
  await f?.cleanup()
  f = undefined
})

const valid = () =>
  packPlan(
    fakePlan('shop', {
      setup: {runners: {migrate: {oneshot: true, fake: {exitAfter: {ms: 10, code: 0}}}}},
      app: {dependsOn: {setup: 'completed'}, runners: {web: {scale: 2, ready: true}, worker: {}}},
    }),
  )

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}

/** Replace (or delete) the value at `path` of a deep copy of `value`. */
function mutate(value: Json, path: number[], replacement: Json | undefined): Json {
  const copy = structuredClone(value)
  let node: Json = copy
  for (let depth = 0; depth < path.length; depth++) {
    if (node === null || typeof node !== 'object') return copy
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node)
    if (keys.length === 0) return copy
    const key = keys[path[depth]! % keys.length]!
    const last = depth === path.length - 1
    const container = node as Record<string | number, Json>
    if (last) {
      if (replacement === undefined && !Array.isArray(node)) delete container[key]
      else container[key] = replacement ?? null
      return copy
    }
    node = container[key]!
  }
  return copy
}

const mutation = fc.tuple(fc.array(fc.nat(), {minLength: 1, maxLength: 8}), fc.option(fc.jsonValue() as fc.Arbitrary<Json>, {nil: undefined}))

describe('checkPlan', () => {
  it('accepts the plans mar makes, packed or not', () => {
    expect(checkPlan(valid()).name).toBe('shop')
    expect(checkPlan(fakePlan('x', {g: {runners: {a: {}}}})).name).toBe('x')
  })

  it('names the field that is wrong', () => {
    const plan = valid() as unknown as Json
    const bad = (path: string[], value: Json) => {
      const copy = structuredClone(plan) as Record<string, Json>
      let node = copy as Json
      for (const key of path.slice(0, -1)) node = (node as Record<string, Json>)[key]!
      ;(node as Record<string, Json>)[path.at(-1)!] = value
      try {
        checkPlan(copy)
      } catch (error) {
        return (error as Error).message
      }
      return 'accepted'
    }
    const web = ['groups', '1', 'runners', '0', 'instances', '0']
    expect(bad([...web, 'stop', 'signal'], {})).toBe('the plan is not one mar can run: plan.groups[1].runners[0].instances[0].stop.signal must be a signal name such as SIGTERM')
    expect(bad(['startOrder'], ['app', 'setup'])).toContain('plan.startOrder must be in dependency order')
    expect(bad([...web, 'env'], {A: 'x\u0000y'})).toContain('without NUL bytes')
    expect(bad(['groups', '1', 'dependsOn'], [{group: 'nope', condition: 'ready'}])).toContain('plan.groups[1].dependsOn[0].group must be one of setup, app')
    expect(bad(['name'], '../../etc')).toContain('plan.name must be a name')
    expect(bad([...web, 'stop', 'timeoutMs'], 2 ** 40)).toContain('timeoutMs must be a number from 0 to 2147483647')
  })

  it('any mutation of a valid plan is accepted or a bad-request, never another error (2 000 cases)', () => {
    const plan = valid() as unknown as Json
    fc.assert(
      fc.property(mutation, ([path, replacement]) => {
        try {
          checkPlan(mutate(plan, path, replacement))
        } catch (error) {
          expect(isMarError(error) && error.code === 'bad-request').toBe(true)
        }
      }),
      {numRuns: 2000},
    )
  })

  it('a mutated plan the daemon accepts runs and is stopped by down: nothing left running (300 cases)', async () => {
    f = fakeDaemon()
    const daemon = f.daemon
    const fleet = f.fleet
    const clock = f.clock
    const plan = valid() as unknown as Json
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(mutation, async ([path, replacement]) => {
        let checked
        try {
          checked = checkPlan(mutate(plan, path, replacement))
        } catch {
          return
        }
        accepted++
        const up = daemon.up(checked, []).catch(() => undefined)
        await clock.advance(50)
        await up
        const down = daemon.down({name: checked.name}, [])
        for (let i = 0; i < 50 && fleet.runningNames().length > 0; i++) await clock.advance(1000)
        await down
        expect(fleet.runningNames()).toEqual([])
      }),
      {numRuns: 300},
    )
    expect(accepted).toBeGreaterThan(50)
  })
})
