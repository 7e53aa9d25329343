// A plan packed for the wire and the disk (environments once per runner)
// comes back as it was, and is much smaller.
import {describe, expect, it} from 'vitest'
import {packPlan, unpackPlan} from '../../../src/config/plan-pack.js'
import {fakePlan} from '../../helpers/fake-daemon.js'

describe('packed plans', () => {
  it('keep each instance its whole environment, shared parts once', () => {
    const plan = fakePlan('shop', {app: {runners: {web: {scale: 3}, worker: {}}}})
    const shell = Object.fromEntries(Array.from({length: 40}, (_, i) => [`VAR_${i}`, `value ${i} `.repeat(3)]))
    for (const group of plan.groups) {
      for (const runner of group.runners) {
        for (const instance of runner.instances) instance.env = {...shell, PORT: String(3000 + instance.index), MAR_INSTANCE: String(instance.index), RUNNER: runner.name}
      }
    }
    const packed = packPlan(plan)
    expect(packed.groups[0]!.runners[0]!.instances[1]!.env).toEqual({PORT: '3002', MAR_INSTANCE: '2', RUNNER: 'web'})
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(plan).length / 2)
    expect(unpackPlan(JSON.parse(JSON.stringify(packed)))).toEqual(plan)
    // A plan that was never packed passes through.
    expect(unpackPlan(plan)).toBe(plan)
  })
})
