// The screen against a fake API client fed recorded events: every view and
// key, with ink-testing-library (no terminal, no daemon).
import {render} from 'ink-testing-library'
import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import type {InstanceDescription, ReloadReply} from '../../../src/api/protocol.js'
import {App, type ExitReason, type UiApi} from '../../../src/ui/app.js'
import {FakeApiClient, fakeInstance, shopStatus} from '../../helpers/fake-api-client.js'
import {waitFor} from '../../helpers/wait.js'

const ESC = '\u001B'
const DOWN = '\u001B[B'
const ENTER = '\r'

let unmount: (() => void) | null = null
afterEach(() => {
  unmount?.()
  unmount = null
})

function screen(options: {readOnly?: boolean; width?: number; height?: number; reload?: boolean; detachOnReady?: boolean; stack?: string | null; client?: FakeApiClient} = {}) {
  const client = options.client ?? new FakeApiClient(shopStatus())
  const exits: ExitReason[] = []
  const api: UiApi = {
    client: client as unknown as UiApi['client'],
    stack: options.stack === undefined ? 'shop' : options.stack,
    readOnly: options.readOnly ?? false,
    detachOnReady: options.detachOnReady ?? false,
    ...(options.reload ? {reloadPlan: async () => ({name: 'shop'}) as never} : {}),
  }
  const r = render(<App api={api} color={false} onExit={(reason) => exits.push(reason)} width={options.width ?? 130} height={options.height ?? 30} renderMs={5} />)
  unmount = r.unmount
  const frame = () => r.lastFrame() ?? ''
  const shows = (text: string) => waitFor(`the screen to show ${JSON.stringify(text)}`, () => frame().includes(text), 3000).catch((error: Error) => {
    throw new Error(`${error.message}; it shows:\n${frame()}`)
  })
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      const before = r.frames.length
      r.stdin.write(k)
      // One key per frame, as a person types: the next once the app re-rendered (a key that changes nothing: a short deadline).
      const deadline = Date.now() + 150
      while (r.frames.length === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2))
    }
  }
  return {client, exits, frame, shows, press, r}
}

describe('mar ui, the screen', () => {
  it('shows every instance grouped by group with its phase, a state symbol, remote hosts as name@host', async () => {
    const s = screen()
    await s.shows('worker.1')
    const f = s.frame()
    expect(f).toMatch(/db \[ready\]/)
    expect(f).toMatch(/app \[starting\]/)
    expect(f).toMatch(/✓postgres\.1\s+local\s+ready/)
    expect(f).toMatch(/web\.2@h1\s+h1\s+running/)
    expect(f).toMatch(/↻worker\.1 .*backoff.*crashed: exit code 1/)
    expect(f).toContain('mar ui — shop · 3/4 up')
  })

  it('updates from events, batched; a stack it does not show is left out', async () => {
    const s = screen()
    await s.shows('worker.1')
    s.client.emit(
      {kind: 'instance', stack: 'shop', instance: fakeInstance('web.1', {group: 'app', state: 'crashed', pid: null, reason: 'boom', reasonCode: 'crashed'})},
      {kind: 'stack-added', stack: {name: 'other', config: '/x', groups: [], instances: [fakeInstance('zzz.1')]}},
    )
    await s.shows('boom')
    expect(s.frame()).toMatch(/✗web\.1 .*crashed/)
    expect(s.frame()).not.toContain('zzz.1')
  })

  it('sorts by the next column (o) and reverses (O); filters with /', async () => {
    const s = screen()
    await s.shows('worker.1')
    await s.press('o')
    await s.shows('sort: host')
    await s.press('O')
    await s.shows('sort: host ↓')
    await s.press('/', 'w', 'e', 'b', ENTER)
    await s.shows('filter: web')
    await waitFor('postgres filtered out', () => !s.frame().includes('postgres.1'))
    expect(s.frame()).toContain('web.2@h1')
    await s.press('/', ESC)
    await s.shows('postgres.1')
  })

  it('compact under 80×24: fewer columns, and it still shows every instance', async () => {
    const s = screen({width: 70, height: 20})
    await s.shows('worker.1')
    const header = s.frame().split('\n')[1]!
    expect(header).toMatch(/NAME\s+STATE\s+CPU\s+MEM\s+REASON/)
    expect(header).not.toContain('HOST')
    for (const line of s.frame().split('\n')) expect(line.length).toBeLessThanOrEqual(70)
  })

  it('r, s, S send restart, stop, start for the selection; a group row restarts the group (rolling)', async () => {
    const s = screen()
    await s.shows('worker.1')
    await s.press('r')
    await s.shows('restarted group db')
    await s.press('j', 's')
    await s.shows('stopped postgres.1')
    await s.press('j', 'j', 'S')
    await s.shows('started web.1')
    expect(s.client.calls.filter((c) => c.method !== 'status')).toEqual([
      {method: 'restart', params: {stack: {name: 'shop'}, targets: ['db']}},
      {method: 'stop', params: {stack: {name: 'shop'}, targets: ['postgres.1']}},
      {method: 'start', params: {stack: {name: 'shop'}, targets: ['web.1']}},
    ])
  })

  it('an action says what it does at once, then its outcome or error; the screen goes on meanwhile', async () => {
    const s = screen()
    let finish: (v: unknown) => void = () => {}
    s.client.answer('restart', () => new Promise((resolve) => (finish = resolve)))
    await s.shows('worker.1')
    await s.press('j', 'r')
    await s.shows('restarting postgres.1…')
    await s.press('j')
    await waitFor('the selection moved while the restart runs', () => /›.*\[starting\]/.test(s.frame()))
    finish({stack: 'shop', results: [{instance: 'postgres.1', ok: false, message: 'it is stopping', code: 'bad-request'}]})
    await s.shows('restart postgres.1: postgres.1: it is stopping')
    s.client.answer('stop', () => Promise.reject(new Error('the daemon said no')))
    await s.press('s')
    await s.shows('stop group app: the daemon said no')
  })

  it('K picks a signal from the list and sends it', async () => {
    const s = screen()
    await s.shows('worker.1')
    await s.press('j', 'K')
    await s.shows('send a signal to postgres.1')
    expect(s.frame()).toContain('SIGWINCH')
    await s.press(DOWN, DOWN, ENTER)
    await s.shows('sent SIGHUP to postgres.1')
    expect(s.client.callsOf('signal')).toEqual([{stack: {name: 'shop'}, targets: ['postgres.1'], signal: 'SIGHUP'}])
  })

  it('R shows the dry run and applies it only on y', async () => {
    const reply: ReloadReply = {changes: [{instance: 'web.3', change: 'added'}, {instance: 'web.1', change: 'changed', fields: ['env']}], structural: [], steps: [], blocked: [], applied: false}
    const client = new FakeApiClient(shopStatus()).answer('reload', (p) => ({...reply, applied: !(p as {dryRun: boolean}).dryRun}))
    const s = screen({reload: true, client})
    await s.shows('worker.1')
    await s.press('R')
    await s.shows('+ web.3 added')
    expect(s.frame()).toContain('~ web.1 changed: env')
    expect(client.callsOf('reload')).toEqual([{plan: {name: 'shop'}, dryRun: true}])
    await s.press(ESC)
    await s.shows('reload: cancelled')
    await s.press('R')
    await s.shows('+ web.3 added')
    await s.press('y')
    await s.shows('reloaded shop: 2 changes')
    expect(client.callsOf('reload').map((p) => (p as {dryRun: boolean}).dryRun)).toEqual([true, true, false])
  })

  it('R without a config to reload from says so', async () => {
    const s = screen()
    await s.shows('worker.1')
    await s.press('R')
    await s.shows('reload: not available here')
  })

  it('+ and - scale the runner for the session, shown against the file', async () => {
    const s = screen()
    s.client.answer('scale', () => ({changes: [], structural: [], steps: [], blocked: [], applied: true}))
    await s.shows('worker.1')
    await s.press('j', 'j', 'j', '+')
    await s.shows('web ×3 (file: 2)')
    await s.press('-', '-')
    await s.shows('web ×1 (file: 2)')
    expect(s.client.callsOf('scale')).toEqual([
      {stack: {name: 'shop'}, runner: 'web', scale: 3},
      {stack: {name: 'shop'}, runner: 'web', scale: 2},
      {stack: {name: 'shop'}, runner: 'web', scale: 1},
    ])
  })

  it('--read-only hides every action; their keys only say so', async () => {
    const s = screen({readOnly: true})
    await s.shows('worker.1')
    expect(s.frame()).not.toMatch(/r restart/)
    for (const key of ['r', 's', 'S', 'K', 'R', '+', '-']) await s.press(key)
    await s.shows('read-only: scaleDown is not available')
    expect(s.client.calls.filter((c) => c.method !== 'status')).toEqual([])
    await s.press('?')
    await s.shows('keys (read-only: actions hidden)')
    expect(s.frame()).not.toContain('restart')
  })

  it('d shows the details from describe, with sparklines and the restart timeline', async () => {
    const description: InstanceDescription = {
      stack: 'shop',
      config: '/stacks/shop/mar.yaml',
      instance: fakeInstance('web.1', {group: 'app', cpu: 30, memory: 120_000_000}),
      command: {shell: 'node server.js'},
      cwd: '/srv/shop',
      env: ['DATABASE_URL', 'PORT'],
      inheritedEnv: 3,
      port: 3000,
      cgroup: '/sys/fs/cgroup/mar/x/web.1',
      probes: {ready: {kind: 'http', target: 'http://127.0.0.1:3000/health', intervalMs: 1000, timeoutMs: 30000, failures: null, passed: true, at: '2026-01-01T00:00:00Z', message: null}, liveness: null},
      exits: [{at: '2026-01-01T00:00:00.000Z', code: 1, signal: null, state: 'crashed', reason: 'exit code 1', reasonCode: 'crashed'}],
      logs: {dir: '/home/logs/shop/web.1', stdout: '/home/logs/shop/web.1/out.log', stderr: '/home/logs/shop/web.1/err.log'},
    }
    const client = new FakeApiClient(shopStatus()).answer('describe', () => description)
    const s = screen({client})
    await s.shows('worker.1')
    s.client.emit({kind: 'usage', at: '', stacks: [{stack: 'shop', instances: [{name: 'web.1', cpu: 10, memory: 1}, {name: 'web.1', cpu: 90, memory: 2}]}]})
    s.client.emit({kind: 'instance', stack: 'shop', instance: fakeInstance('web.1', {group: 'app', restarts: 1})})
    await s.press('j', 'j', 'j', 'd')
    await s.shows('node server.js')
    const f = s.frame()
    expect(f).toContain('DATABASE_URL PORT (+ 3 inherited)')
    expect(f).toContain('http http://127.0.0.1:3000/health')
    expect(f).toContain('/sys/fs/cgroup/mar/x/web.1')
    expect(f).toContain('/home/logs/shop/web.1/out.log')
    expect(f).toMatch(/2026-01-01T00:00:00\.000Z\s+code 1\s+crashed/)
    expect(f).toMatch(/cpu .*▂▇/)
    expect(f).toMatch(/timeline\s+·+↻/)
    expect(client.callsOf('describe')).toEqual([{stack: {name: 'shop'}, target: 'web.1'}])
    await s.press(ESC)
    await s.shows('PROBE')
  })

  it('g shows the dependency graph with each node’s state', async () => {
    const s = screen()
    await s.shows('worker.1')
    await s.press('g')
    await s.shows('dependency graph')
    const f = s.frame()
    expect(f).toMatch(/├─ db \[ready\]/)
    expect(f).toMatch(/└─ app \[starting\]\s+← db \(ready\)/)
    expect(f).toMatch(/web: ●web\.1 running\s+●web\.2@h1 running/)
  })

  it('? lists every key of the key map', async () => {
    const s = screen({height: 40})
    await s.shows('worker.1')
    await s.press('?')
    await s.shows('keys')
    for (const text of ['restart (a group: rolling', 'send a signal', 'dependency graph', 'filter by name', 'quit', 'logs: follow']) expect(s.frame()).toContain(text)
  })

  it('q and Ctrl-C quit; --detach-on-ready leaves once every instance is up', async () => {
    const s = screen()
    await s.shows('worker.1')
    await s.press('q')
    expect(s.exits).toEqual(['quit'])
    const d = screen({detachOnReady: true})
    await d.shows('worker.1')
    expect(d.exits).toEqual([])
    d.client.emit({kind: 'instance', stack: 'shop', instance: fakeInstance('worker.1', {group: 'app', state: 'running'})})
    await waitFor('detached', () => d.exits.length > 0, 3000)
    expect(d.exits).toEqual(['detached'])
  })

  it('keys faster than frames act on the selection the keys before them made (jr in one read restarts postgres.1, not db)', async () => {
    const s = screen()
    await s.shows('worker.1')
    s.r.stdin.write('jr')
    await s.shows('restarted postgres.1')
    expect(s.client.callsOf('restart')).toEqual([{stack: {name: 'shop'}, targets: ['postgres.1']}])
  })

  it('the log pane follows the selection', async () => {
    const s = screen()
    await s.shows('worker.1')
    await s.press('j')
    await waitFor('a logs stream for postgres.1', () => s.client.streams.some((x) => x.method === 'logs' && JSON.stringify((x.params as {targets: string[]}).targets) === '["postgres.1"]'))
    await s.shows('logs: postgres.1')
  })
})
