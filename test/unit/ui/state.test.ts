import {describe, expect, it} from 'vitest'
import {applyEvents, clockChangesTable, emptyState, HISTORY_SAMPLES, keyOf, sparkline, tableLines, timeline, TIMELINE_EVENTS, type Line, type TableOptions} from '../../../src/ui/state.js'
import {fakeGroup, fakeInstance, fakeStack, shopStatus} from '../../helpers/fake-api-client.js'

const opts = (over: Partial<TableOptions> = {}): TableOptions => ({sort: 'name', desc: false, filter: '', now: Date.now(), ...over})
const names = (lines: Line[]) => lines.map((l) => (l.kind === 'group' ? `[${l.group.name}:${l.group.phase}]` : l.row.shown))

describe('the UI state from the watch stream', () => {
  it('a snapshot gives the table grouped by group with each phase, remote instances as name@host', () => {
    const s = applyEvents(emptyState(), [{kind: 'snapshot', status: shopStatus()}], Date.now())
    expect(s.loaded).toBe(true)
    expect(names(tableLines(s, opts()))).toEqual(['[db:ready]', 'postgres.1', '[app:starting]', 'web.1', 'web.2@h1', 'worker.1'])
  })

  it('instance and group events update in place; the old state is left as it was', () => {
    const s0 = applyEvents(emptyState(), [{kind: 'snapshot', status: shopStatus()}], 0)
    const s1 = applyEvents(s0, [
      {kind: 'instance', stack: 'shop', instance: fakeInstance('web.1', {group: 'app', state: 'crashed', pid: null})},
      {kind: 'group', stack: 'shop', group: fakeGroup('app', {phase: 'failed'})},
    ], 1000)
    expect(s1.instances.get(keyOf('shop', 'web.1'))!.state).toBe('crashed')
    expect(s0.instances.get(keyOf('shop', 'web.1'))!.state).toBe('running')
    expect(s1.stacks.get('shop')!.groups.find((g) => g.name === 'app')!.phase).toBe('failed')
    expect(s1.history.get(keyOf('shop', 'web.1'))!.timeline).toEqual([{at: 1000, kind: 'crash'}])
  })

  it('restarts land on the timeline, bounded', () => {
    let s = applyEvents(emptyState(), [{kind: 'snapshot', status: shopStatus()}], 0)
    for (let i = 1; i <= 50; i++) s = applyEvents(s, [{kind: 'instance', stack: 'shop', instance: fakeInstance('worker.1', {group: 'app', state: 'running', restarts: 4 + i})}], i * 1000)
    const t = s.history.get(keyOf('shop', 'worker.1'))!.timeline
    expect(t).toHaveLength(TIMELINE_EVENTS)
    expect(t.at(-1)).toEqual({at: 50_000, kind: 'restart'})
  })

  it('usage events fill CPU and memory and the sparkline history, bounded', () => {
    let s = applyEvents(emptyState(), [{kind: 'snapshot', status: shopStatus()}], 0)
    for (let i = 0; i < 100; i++) s = applyEvents(s, [{kind: 'usage', at: '', stacks: [{stack: 'shop', instances: [{name: 'web.1', cpu: i, memory: i * 10}]}]}], i)
    const h = s.history.get(keyOf('shop', 'web.1'))!
    expect(h.cpu).toHaveLength(HISTORY_SAMPLES)
    expect(h.cpu.at(-1)).toBe(99)
    expect(s.instances.get(keyOf('shop', 'web.1'))!.memory).toBe(990)
  })

  it('stack-added and stack-removed; lagged counts and the snapshot after it replaces everything', () => {
    let s = applyEvents(emptyState(), [{kind: 'snapshot', status: shopStatus()}], 0)
    s = applyEvents(s, [{kind: 'stack-added', stack: fakeStack('blog', [fakeGroup('default')], [fakeInstance('hugo.1', {group: 'default'})])}], 0)
    expect([...s.stacks.keys()]).toEqual(['shop', 'blog'])
    const lines = tableLines(s, opts())
    expect(lines.filter((l) => l.kind === 'group').every((l) => l.kind === 'group' && l.showStack)).toBe(true)
    s = applyEvents(s, [{kind: 'stack-removed', stack: 'shop'}], 0)
    expect([...s.instances.keys()]).toEqual(['blog/hugo.1'])
    s = applyEvents(s, [{kind: 'lagged', dropped: 7}, {kind: 'snapshot', status: shopStatus()}], 0)
    expect(s.dropped).toBe(7)
    expect([...s.stacks.keys()]).toEqual(['shop'])
    expect(s.instances.has('blog/hugo.1')).toBe(false)
  })

  it('sorts by any column within each group, asc and desc, missing values last', () => {
    const s = applyEvents(emptyState(), [{kind: 'snapshot', status: shopStatus()}], 0)
    expect(names(tableLines(s, opts({sort: 'cpu', desc: true})))).toEqual(['[db:ready]', 'postgres.1', '[app:starting]', 'web.1', 'web.2@h1', 'worker.1'])
    expect(names(tableLines(s, opts({sort: 'cpu'})))).toEqual(['[db:ready]', 'postgres.1', '[app:starting]', 'web.2@h1', 'web.1', 'worker.1'])
    expect(names(tableLines(s, opts({sort: 'state'})))).toEqual(['[db:ready]', 'postgres.1', '[app:starting]', 'worker.1', 'web.1', 'web.2@h1'])
    expect(names(tableLines(s, opts({sort: 'name', desc: true})))).toEqual(['[db:ready]', 'postgres.1', '[app:starting]', 'worker.1', 'web.2@h1', 'web.1'])
    expect(names(tableLines(s, opts({sort: 'restarts', desc: true})))[3]).toBe('worker.1')
  })

  it('filters by name (substring, any case); a group with no match is hidden', () => {
    const s = applyEvents(emptyState(), [{kind: 'snapshot', status: shopStatus()}], 0)
    expect(names(tableLines(s, opts({filter: 'WEB'})))).toEqual(['[app:starting]', 'web.1', 'web.2@h1'])
    expect(names(tableLines(s, opts({filter: '@h1'})))).toEqual(['[app:starting]', 'web.2@h1'])
    expect(tableLines(s, opts({filter: 'nothing'}))).toEqual([])
  })

  it('sparklines and the restart timeline', () => {
    expect(sparkline([0, 50, 100], 10)).toBe('▁▅█')
    expect(sparkline([0, 0], 10)).toBe('▁▁')
    expect(sparkline([1, 2, 3, 4], 2, 100)).toBe('▁▁')
    expect(timeline([{at: 9_500, kind: 'crash'}, {at: 500, kind: 'restart'}], 10_000, 10_000, 10)).toBe('↻········✗')
  })
})

describe('the clock and the table', () => {
  const at = Date.parse('2026-12-04T12:00:00Z')
  const stateWith = (...instances: Parameters<typeof fakeInstance>[]) => applyEvents(emptyState(), [{kind: 'snapshot', status: {...shopStatus(), stacks: [fakeStack('s', [], instances.map((args) => fakeInstance(...args)))]}}], at)
  it('a second changes the table while an uptime is under a minute, or crosses a minute, or a restart counts down', () => {
    expect(clockChangesTable(stateWith(['a.1', {startedAt: new Date(at - 30_000).toISOString()}]), at, at + 1000)).toBe(true)
    expect(clockChangesTable(stateWith(['a.1', {startedAt: new Date(at - 119_500).toISOString()}]), at, at + 1000)).toBe(true)
    expect(clockChangesTable(stateWith(['a.1', {state: 'backoff', pid: null, reasonCode: 'backoff', reason: 'exit 1', nextRestartAt: new Date(at + 5000).toISOString()}]), at, at + 1000)).toBe(true)
  })
  it('otherwise it changes nothing shown: an idle screen of long-running instances is left alone', () => {
    expect(clockChangesTable(stateWith(['a.1', {startedAt: new Date(at - 90_000).toISOString()}], ['b.1', {state: 'stopped', pid: null, startedAt: null}]), at, at + 1000)).toBe(false)
    // Up for days the table shows days and hours: a minute going by changes nothing there.
    expect(clockChangesTable(stateWith(['a.1', {startedAt: new Date(at - 2 * 86_400_000 - 119_500).toISOString()}]), at, at + 1000)).toBe(false)
  })
})
