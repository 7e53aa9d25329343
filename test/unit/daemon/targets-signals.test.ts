import {describe, expect, it} from 'vitest'
import {resolveTargets, selectTargets} from '../../../src/api/targets.js'
import {requireSignal as parseSignal} from '../../../src/api/signals.js'
import type {StackPlan} from '../../../src/config/types.js'

const runner = (group: string, name: string, scale: number) => ({
  name, group, oneshot: false, scale,
  instances: Array.from({length: scale}, (_, i) => ({name: `${name}.${i + 1}`, runner: name, group})),
})
const plan = {
  name: 'shop',
  startOrder: ['infra', 'app'],
  groups: [
    {name: 'infra', dependsOn: [], runners: [runner('infra', 'db', 1), runner('infra', 'cache', 1)]},
    {name: 'app', dependsOn: [{group: 'infra', condition: 'ready'}], runners: [runner('app', 'web', 2), runner('app', 'worker', 1)]},
  ],
} as unknown as StackPlan

describe('targets', () => {
  it('resolves groups, runners, instances and stack/runner in declaration order', () => {
    expect(resolveTargets(plan, [])).toEqual(['db.1', 'cache.1', 'web.1', 'web.2', 'worker.1'])
    expect(resolveTargets(plan, ['worker', 'web.2'])).toEqual(['web.2', 'worker.1'])
    expect(resolveTargets(plan, ['infra'])).toEqual(['db.1', 'cache.1'])
    expect(resolveTargets(plan, ['shop/web'])).toEqual(['web.1', 'web.2'])
    expect(resolveTargets(plan, ['shop'])).toHaveLength(5)
  })

  it('rejects unknown targets and stacks with a usage error and a suggestion', () => {
    expect(() => resolveTargets(plan, ['wbe'])).toThrow(expect.objectContaining({code: 'unknown-target', exitCode: 2, hint: 'did you mean "web"?'}))
    expect(() => resolveTargets(plan, ['other/web'])).toThrow(expect.objectContaining({code: 'unknown-stack', exitCode: 2}))
  })

  it('selects what starting a target needs: the target plus whole dependency groups', () => {
    const selected = selectTargets(plan, ['web.2'])
    expect(selected.startOrder).toEqual(['infra', 'app'])
    expect(selected.groups.flatMap((g) => g.runners.flatMap((r) => r.instances.map((i) => i.name)))).toEqual(['db.1', 'cache.1', 'web.2'])
  })
})

describe('parseSignal', () => {
  it('takes names with or without SIG, any case, and numbers', () => {
    expect(parseSignal('SIGHUP')).toBe('SIGHUP')
    expect(parseSignal('hup')).toBe('SIGHUP')
    expect(parseSignal('usr1')).toBe('SIGUSR1')
    expect(parseSignal('9')).toBe('SIGKILL')
    expect(parseSignal(15)).toBe('SIGTERM')
  })

  it('rejects what is not a signal as a usage error', () => {
    for (const bad of ['SIGFOO', '', '999', 'kill -9']) expect(() => parseSignal(bad)).toThrow(expect.objectContaining({code: 'bad-signal', exitCode: 2}))
  })
})
