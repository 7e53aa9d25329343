import {describe, expect, it} from 'vitest'
import {diffPlans, withoutChanges} from '../../../src/daemon/plan-diff.js'
import type {GroupPlan, InstancePlan, StackPlan} from '../../../src/config/types.js'

function inst(name: string, group = 'g', over: Partial<InstancePlan> = {}): InstancePlan {
  const [runner = name, index = '1'] = name.split('.')
  return {
    name, runner, group, index: Number(index), host: 'local', command: {shell: 'sleep 1'}, cwd: '/tmp',
    env: {PATH: '/bin', MAR_INSTANCE: index}, envKeys: ['MAR_INSTANCE'],
    restart: {policy: 'always', backoff: {initialMs: 100, maxMs: 1000, factor: 2}}, stop: {signal: 'SIGTERM', timeoutMs: 1000},
    oneshot: false, log: {maxSize: 1, keep: 1}, ...over,
  }
}

function plan(instances: InstancePlan[], groups: Partial<GroupPlan>[] = [{name: 'g'}]): StackPlan {
  return {
    name: 's', configPath: '/tmp/mar.yaml', dir: '/tmp', format: 'mar.yaml', hosts: [], notActedOn: [],
    startOrder: groups.map((g) => g.name!),
    groups: groups.map((g) => {
      const mine = instances.filter((i) => i.group === g.name)
      const runners = [...new Set(mine.map((i) => i.runner))].map((r) => ({name: r, group: g.name!, oneshot: false, scale: 1, instances: mine.filter((i) => i.runner === r)}))
      return {strategy: 'parallel', restart: {strategy: 'one-for-one'}, dependsOn: [], runners, name: g.name!, ...g} as GroupPlan
    }),
  }
}

describe('diffPlans', () => {
  it('finds added, removed and changed instances and names the changed fields', () => {
    const before = plan([inst('web.1'), inst('web.2'), inst('old.1')])
    const after = plan([inst('web.1'), inst('web.2', 'g', {command: {shell: 'sleep 2'}}), inst('web.3'), inst('new.1')])
    const diff = diffPlans(before, after)
    expect(diff.structural).toEqual([])
    expect(diff.changes).toEqual([
      {instance: 'web.2', change: 'changed', fields: ['command'], host: 'local'},
      {instance: 'web.3', change: 'added', host: 'local'},
      {instance: 'new.1', change: 'added', host: 'local'},
      {instance: 'old.1', change: 'removed', host: 'local'},
    ])
  })

  it('says where each change happens, and which instance moves host', () => {
    const before = plan([inst('web.1', 'g', {host: 'h1'}), inst('web.2', 'g', {host: 'h2'}), inst('db.1', 'g', {host: 'h2'})])
    const after = plan([inst('web.1', 'g', {host: 'h2'}), inst('web.2', 'g', {host: 'h2', command: {shell: 'x'}}), inst('web.3', 'g', {host: 'h1'})])
    expect(diffPlans(before, after).changes).toEqual([
      {instance: 'web.1', change: 'changed', fields: ['host'], host: 'h2', fromHost: 'h1'},
      {instance: 'web.2', change: 'changed', fields: ['command'], host: 'h2'},
      {instance: 'web.3', change: 'added', host: 'h1'},
      {instance: 'db.1', change: 'removed', host: 'h2'},
    ])
  })

  it('compares only the environment the stack sets, not what the shell passed through', () => {
    const before = plan([inst('web.1')])
    const fromAnotherShell = plan([inst('web.1', 'g', {env: {PATH: '/usr/bin:/bin', TERM: 'dumb', MAR_INSTANCE: '1'}})])
    expect(diffPlans(before, fromAnotherShell).changes).toEqual([])
    const declared = plan([inst('web.1', 'g', {env: {PATH: '/bin', MAR_INSTANCE: '1', DB: 'x'}, envKeys: ['DB', 'MAR_INSTANCE']})])
    expect(diffPlans(before, declared).changes).toEqual([{instance: 'web.1', change: 'changed', fields: ['env'], host: 'local'}])
  })

  it('calls group-level changes structural', () => {
    const before = plan([inst('web.1')])
    expect(diffPlans(before, plan([inst('web.1')], [{name: 'g', strategy: 'ordered'}])).structural).toEqual(['group g: strategy changed'])
    expect(diffPlans(before, plan([inst('web.1'), inst('db.1', 'h')], [{name: 'g'}, {name: 'h'}])).structural).toEqual(['group h added'])
  })
})

describe('reload steps and blocked changes', () => {
  it('orders the changed groups by start order, each waiting only for dependencies the reload re-runs', () => {
    const groups = [{name: 'setup'}, {name: 'db'}, {name: 'app', dependsOn: [{group: 'setup', condition: 'completed' as const}, {group: 'db', condition: 'ready' as const}]}]
    const before = plan([inst('migrate.1', 'setup'), inst('pg.1', 'db'), inst('web.1', 'app'), inst('web.2', 'app')], groups)
    const after = plan([inst('migrate.1', 'setup', {command: {shell: 'v2'}}), inst('pg.1', 'db'), inst('web.1', 'app', {command: {shell: 'v2'}}), inst('web.2', 'app')], groups)
    expect(diffPlans(before, after).steps).toEqual([
      {group: 'setup', after: [], instances: ['migrate.1']},
      {group: 'app', after: [{group: 'setup', condition: 'completed'}], instances: ['web.1']},
    ])
  })

  it('withoutChanges keeps the old version of blocked instances and leaves out blocked additions', () => {
    const before = plan([inst('web.1')])
    const after = plan([inst('web.1', 'g', {command: {shell: 'v2'}}), inst('new.1')])
    const kept = withoutChanges(after, before, new Set(['web.1', 'new.1']))
    expect(diffPlans(before, kept).changes).toEqual([])
    expect(diffPlans(kept, after).changes.map((c) => c.instance).sort()).toEqual(['new.1', 'web.1'])
  })
})
