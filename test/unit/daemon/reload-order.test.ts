import {describe, expect, it} from 'vitest'
import {applyInOrder} from '../../../src/daemon/reload-order.js'
import {dependencyOutcome, type Outcome} from '../../../src/daemon/dependency-state.js'
import {initialStatus, type InstanceStatus} from '../../../src/daemon/instance-status.js'
import type {ReloadStep} from '../../../src/api/protocol.js'

const status = (name: string, over: Partial<InstanceStatus>): InstanceStatus => ({...initialStatus({name, runner: name.split('.')[0]!, group: 'g', host: 'local', oneshot: false}), ...over})

describe('dependencyOutcome', () => {
  it('completed: oneshots exited 0, services up; a oneshot that exited non-zero is a failure with its exit', () => {
    const done = status('migrate.1', {oneshot: true, state: 'exited', lastExit: {code: 0, signal: null}})
    const web = status('web.1', {state: 'running', pid: 10})
    expect(dependencyOutcome([done, web], 'completed')).toEqual({met: true})
    expect(dependencyOutcome([status('migrate.1', {oneshot: true, state: 'running', pid: 11})], 'completed')).toEqual({met: false, waiting: 'migrate.1 still running'})
    expect(dependencyOutcome([status('migrate.1', {oneshot: true, state: 'exited', lastExit: {code: 2, signal: null}})], 'completed')).toEqual({met: false, failed: 'migrate.1 failed: exit 2'})
    expect(dependencyOutcome([status('db.1', {state: 'backoff'})], 'completed')).toEqual({met: false, waiting: 'db.1 not up yet (backoff)'})
  })

  it('ready: a service with a ready probe must be ready (the probe says why not); one without is ready once up; stopped by the user does not count', () => {
    const probe = {kind: 'tcp' as const, passed: false, at: 1, message: 'tcp 127.0.0.1:5432: connection refused'}
    expect(dependencyOutcome([status('db.1', {state: 'running', pid: 12, ready: probe})], 'ready')).toEqual({met: false, waiting: 'db.1 not ready yet: tcp 127.0.0.1:5432: connection refused'})
    expect(dependencyOutcome([status('db.1', {state: 'running', pid: 12})], 'ready')).toEqual({met: true})
    expect(dependencyOutcome([status('db.1', {state: 'stopped', reasonCode: 'stopped-by-user'})], 'ready')).toEqual({met: true})
    expect(dependencyOutcome([status('db.1', {state: 'failed', reason: 'restart limit'})], 'ready')).toEqual({met: false, failed: 'db.1 failed: restart limit'})
  })
})

describe('applyInOrder', () => {
  const steps: ReloadStep[] = [
    {group: 'setup', after: [], instances: ['migrate.1']},
    {group: 'app', after: [{group: 'setup', condition: 'completed'}], instances: ['web.1', 'web.2']},
    {group: 'edge', after: [{group: 'app', condition: 'ready'}], instances: ['proxy.1']},
  ]

  it('applies a dependent only once its re-run dependency is met, re-checking at each change', async () => {
    const applied: string[] = []
    const outcomes: Record<string, Outcome[]> = {setup: [{met: false}, {met: true}], app: [{met: true}]}
    const blocked = await applyInOrder(steps, {
      apply: async (group) => void applied.push(group),
      outcome: (group) => outcomes[group]!.shift()!,
      nextChange: async () => void applied.push('(change)'),
    })
    expect(blocked).toEqual([])
    expect(applied).toEqual(['setup', '(change)', 'app', 'edge'])
  })

  it('a failed dependency blocks its dependents and theirs, with the cause', async () => {
    const applied: string[] = []
    const blocked = await applyInOrder(steps, {
      apply: async (group) => void applied.push(group),
      outcome: () => ({met: false, failed: 'migrate.1 failed: exit 1'}),
      nextChange: async () => {},
    })
    expect(applied).toEqual(['setup'])
    expect(blocked).toEqual([
      {instance: 'web.1', reason: 'dependency setup failed (migrate.1 failed: exit 1)', reasonCode: 'dependency-failed'},
      {instance: 'web.2', reason: 'dependency setup failed (migrate.1 failed: exit 1)', reasonCode: 'dependency-failed'},
      {instance: 'proxy.1', reason: 'dependency app was not reloaded (dependency setup failed (migrate.1 failed: exit 1))', reasonCode: 'dependency-failed'},
    ])
  })
})
