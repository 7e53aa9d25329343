// What `mar describe` and `mar status TARGET…` are made of: the bounded
// history of exits folded from events, and target resolution against a
// stack as the daemon reports it.
import {describe, expect, it} from 'vitest'
import type {StackInfo} from '../../../src/api/protocol.js'
import {resolveTargets, shapeOfStack} from '../../../src/api/targets.js'
import {filterStatus} from '../../../src/cli/status-filter.js'
import {applyEvent, EXITS_KEPT, initialStatus, toInstanceInfo} from '../../../src/daemon/instance-status.js'
import {MarError} from '../../../src/util/errors.js'

describe('the exits an instance keeps', () => {
  it('records each exit with its time, code or signal, state and reason; keeps the last EXITS_KEPT; status replies do not carry them', () => {
    let status = initialStatus({name: 'web.1', runner: 'web', group: 'app', host: 'local', oneshot: false})
    status = applyEvent(status, {kind: 'instance', name: 'web.1', at: 1000, state: 'running', pid: 42, startedAt: 1000})
    status = applyEvent(status, {kind: 'instance', name: 'web.1', at: 2000, state: 'crashed', pid: null, exit: {code: 3, signal: null}, why: {reason: 'exited: 3', reasonCode: 'crashed'}})
    expect(status.exits).toEqual([{at: 2000, code: 3, signal: null, state: 'crashed', reason: 'exited: 3', reasonCode: 'crashed'}])
    for (let i = 0; i < EXITS_KEPT + 5; i++) {
      status = applyEvent(status, {kind: 'instance', name: 'web.1', at: 3000 + i, state: 'stopped', pid: null, exit: {code: null, signal: 'SIGTERM'}})
    }
    expect(status.exits).toHaveLength(EXITS_KEPT)
    expect(status.exits.at(-1)).toMatchObject({at: 3000 + EXITS_KEPT + 4, signal: 'SIGTERM', state: 'stopped'})
    expect(toInstanceInfo(status)).not.toHaveProperty('exits')
  })
})

const instance = (name: string, runner: string, group: string) => ({name, runner, group}) as StackInfo['instances'][number]
const stack: StackInfo = {
  name: 'shop',
  config: '/x/mar.yaml',
  groups: [{name: 'app', phase: 'ready', reason: null, reasonCode: null, dependsOn: []}, {name: 'jobs', phase: 'ready', reason: null, reasonCode: null, dependsOn: []}],
  instances: [instance('web.1', 'web', 'app'), instance('web.2', 'web', 'app'), instance('worker.1', 'worker', 'jobs')],
}

describe('targets against a stack that is up', () => {
  it('resolves groups, runners, instances and stack/runner as the plan would', () => {
    const shape = shapeOfStack(stack)
    expect(resolveTargets(shape, ['web'])).toEqual(['web.1', 'web.2'])
    expect(resolveTargets(shape, ['jobs', 'web.2'])).toEqual(['web.2', 'worker.1'])
    expect(resolveTargets(shape, ['shop/worker'])).toEqual(['worker.1'])
    expect(() => resolveTargets(shape, ['wbe'])).toThrow(MarError)
  })

  it('filters a status reply; a stack that is not up is an error', () => {
    const status = {stacks: [stack, {...stack, name: 'other', config: '/y/mar.yaml'}], hosts: []}
    const filtered = filterStatus(status, [{ref: {config: '/x/mar.yaml'}, targets: ['web.2', 'worker']}])
    expect(filtered.stacks.map((s) => [s.name, s.instances.map((i) => i.name)])).toEqual([['shop', ['web.2', 'worker.1']]])
    expect(() => filterStatus(status, [{ref: {name: 'nope'}, targets: ['nope/web']}])).toThrow(/not up/)
  })
})
