// A hub and two hosts in one process (test/helpers/fake-cluster.ts): the
// hub's proxies, shares and links against real daemons, with fake programs
// and fake time.
import {afterEach, describe, expect, it} from 'vitest'
import type {InstanceInfo} from '../../../src/api/protocol.js'
import {fakeCluster, type FakeCluster} from '../../helpers/fake-cluster.js'
import {fakePlan} from '../../helpers/fake-daemon.js'
import {MarError} from '../../../src/util/errors.js'

let cluster: FakeCluster | undefined
afterEach(async () => {
  await cluster?.cleanup()
  cluster = undefined
})

const hubInstance = (c: FakeCluster, stack: string, name: string): InstanceInfo | undefined =>
  c.hub.daemon.status().stacks.find((s) => s.name === stack)?.instances.find((i) => i.name === name)
const hostInstance = (c: FakeCluster, host: string, stack: string, name: string): InstanceInfo | undefined =>
  c.hosts[host]!.daemon.status().stacks.find((s) => s.name === stack)?.instances.find((i) => i.name === name)

describe('a stack over two hosts, in one process', () => {
  it('each host runs its share; a group on h2 waits for its dependency on h1 to be ready', async () => {
    const c = (cluster = fakeCluster(['h1', 'h2']))
    const plan = fakePlan('shop', {
      db: {runners: {pg: {hosts: ['h1'], ready: true, fake: {readyAfterMs: 2000}}}},
      web: {dependsOn: {db: 'ready'}, runners: {api: {hosts: ['h2'], scale: 2}}},
    })
    void c.hub.daemon.up(plan, [])
    await c.until(() => c.hosts.h1!.fleet.isRunning('pg.1'))
    // pg runs on h1 but is not ready: nothing of web runs on h2 yet.
    expect(c.hosts.h2!.fleet.runningNames()).toEqual([])
    expect(c.hosts.h1!.fleet.runningNames()).toEqual(['pg.1'])
    await c.until(() => c.hosts.h2!.fleet.runningNames().length === 2)
    const pgReady = c.hosts.h1!.fleet.current('pg.1')!.readyAt!
    expect(Math.min(...c.hosts.h2!.fleet.runs.map((r) => r.startedAt))).toBeGreaterThanOrEqual(pgReady)
    // The hub shows them with their host and the host's pid; nothing runs on the hub itself.
    await c.until(() => hubInstance(c, 'shop', 'api.2')?.pid === hostInstance(c, 'h2', 'shop', 'api.2')?.pid)
    expect(hubInstance(c, 'shop', 'api.2')).toMatchObject({host: 'h2', state: 'running'})
    expect(hubInstance(c, 'shop', 'pg.1')).toMatchObject({host: 'h1', state: 'ready'})
    expect(c.hub.fleet.runs).toEqual([])
    // A host's share holds only its own instances.
    expect(hostInstance(c, 'h1', 'shop', 'api.1')).toBeUndefined()
  })

  it('a host restarts its own crashed instance; the hub counts the restart', async () => {
    const c = (cluster = fakeCluster(['h1']))
    void c.hub.daemon.up(fakePlan('s', {g: {runners: {w: {hosts: ['h1']}}}}), [])
    await c.until(() => hubInstance(c, 's', 'w.1')?.state === 'running')
    c.hosts.h1!.fleet.crash('w.1')
    await c.until(() => c.hosts.h1!.fleet.runsOf('w.1').length === 2 && hubInstance(c, 's', 'w.1')?.state === 'running')
    expect(hubInstance(c, 's', 'w.1')!.restarts).toBe(1)
    expect(c.hosts.h1!.fleet.runsOf('w.1')).toHaveLength(2)
  })

  it('one-for-all spans hosts: a member that crashes on h1 (and is restarted there) restarts its sibling on h2', async () => {
    const c = (cluster = fakeCluster(['h1', 'h2']))
    const plan = fakePlan('s', {
      pair: {restart: 'one-for-all', runners: {a: {hosts: ['h1']}, b: {hosts: ['h2']}}},
    })
    void c.hub.daemon.up(plan, [])
    await c.until(() => c.hosts.h1!.fleet.isRunning('a.1') && c.hosts.h2!.fleet.isRunning('b.1'))
    c.hosts.h1!.fleet.crash('a.1')
    await c.until(() => c.hosts.h2!.fleet.runsOf('b.1').length === 2 && c.hosts.h2!.fleet.isRunning('b.1') && c.hosts.h1!.fleet.isRunning('a.1'))
    // a restarted once, by its host; b once, by the hub; nothing more.
    await c.clock.advance(5000)
    expect(c.hosts.h1!.fleet.runsOf('a.1')).toHaveLength(2)
    expect(c.hosts.h2!.fleet.runsOf('b.1')).toHaveLength(2)
  })

  it('a cut link: the host is unreachable, its instances keep their last state marked stale, and they run on; after the heal all is as before', async () => {
    const c = (cluster = fakeCluster(['h1']))
    void c.hub.daemon.up(fakePlan('s', {g: {runners: {w: {hosts: ['h1']}}}}), [])
    await c.until(() => hubInstance(c, 's', 'w.1')?.state === 'running')
    c.cut('h1')
    await c.until(() => hubInstance(c, 's', 'w.1')?.reasonCode === 'host-unreachable')
    expect(hubInstance(c, 's', 'w.1')).toMatchObject({state: 'running'})
    expect(hubInstance(c, 's', 'w.1')!.reason).toMatch(/host h1 is unreachable.*last known: running/)
    // Meanwhile the host restarts it: the hub learns of it from the fresh snapshot.
    c.hosts.h1!.fleet.crash('w.1')
    await c.until(() => c.hosts.h1!.fleet.runsOf('w.1').length === 2 && c.hosts.h1!.fleet.isRunning('w.1'))
    const dialsBefore = c.dials.h1!
    c.heal('h1')
    await c.until(() => c.dials.h1! > dialsBefore && hubInstance(c, 's', 'w.1')?.reasonCode === null)
    expect(hubInstance(c, 's', 'w.1')).toMatchObject({state: 'running', pid: hostInstance(c, 'h1', 's', 'w.1')!.pid})
    expect(c.hosts.h1!.fleet.runsOf('w.1')).toHaveLength(2) // the reconnect started nothing again
  })

  it('reconnects with backoff: 0.5 s, 1 s, 2 s … between dials while the host stays down', async () => {
    const c = (cluster = fakeCluster(['h1']))
    void c.hub.daemon.up(fakePlan('s', {g: {runners: {w: {hosts: ['h1']}}}}), [])
    await c.until(() => hubInstance(c, 's', 'w.1')?.state === 'running')
    c.cut('h1')
    const start = c.clock.now()
    const times: number[] = []
    let seen = c.dials.h1!
    await c.until(() => {
      if (c.dials.h1! > seen) {
        seen = c.dials.h1!
        times.push(c.clock.now() - start)
      }
      return times.length >= 4
    })
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    // Each wait is the backoff (minus up to 20 % jitter), doubling.
    expect(gaps[0]).toBeGreaterThanOrEqual(800 - 20)
    expect(gaps[0]).toBeLessThanOrEqual(1000 + 20)
    expect(gaps[1]).toBeGreaterThanOrEqual(1600 - 20)
    expect(gaps[2]).toBeGreaterThanOrEqual(3200 - 20)
  })

  it('down stops every share in reverse dependency order and removes the stack from each host', async () => {
    const c = (cluster = fakeCluster(['h1', 'h2']))
    const plan = fakePlan('s', {
      db: {runners: {pg: {hosts: ['h1']}}},
      web: {dependsOn: {db: 'started'}, runners: {api: {hosts: ['h2']}}},
    })
    void c.hub.daemon.up(plan, [])
    await c.until(() => c.hosts.h2!.fleet.isRunning('api.1'))
    const down = c.hub.daemon.down({name: 's'}, [])
    await c.until(() => c.hosts.h1!.daemon.status().stacks.length === 0 && c.hosts.h2!.daemon.status().stacks.length === 0)
    await down
    const apiEnd = c.hosts.h2!.fleet.runsOf('api.1')[0]!.endedAt!
    const pgEnd = c.hosts.h1!.fleet.runsOf('pg.1')[0]!.endedAt!
    expect(apiEnd).toBeLessThanOrEqual(pgEnd)
  })

  it('a down while a host is unreachable: the rest stops, and the host\'s share is stopped once it is back', async () => {
    const c = (cluster = fakeCluster(['h1', 'h2']))
    void c.hub.daemon.up(fakePlan('s', {g: {runners: {a: {hosts: ['h1']}, b: {hosts: ['h2']}}}}), [])
    await c.until(() => c.hosts.h1!.fleet.isRunning('a.1') && c.hosts.h2!.fleet.isRunning('b.1'))
    c.cut('h1')
    await c.until(() => hubInstance(c, 's', 'a.1')?.reasonCode === 'host-unreachable')
    await c.hub.daemon.down({name: 's'}, [])
    expect(c.hosts.h2!.fleet.isRunning('b.1')).toBe(false)
    expect(c.hosts.h1!.fleet.isRunning('a.1')).toBe(true)
    c.heal('h1')
    await c.until(() => c.hosts.h1!.daemon.status().stacks.length === 0)
    expect(c.hosts.h1!.fleet.isRunning('a.1')).toBe(false)
  })

  it('signal, stop, start and describe of a remote instance go to its host; web.2@h2 and @h2 name them', async () => {
    const c = (cluster = fakeCluster(['h1', 'h2']))
    void c.hub.daemon.up(fakePlan('s', {g: {runners: {web: {hosts: ['h1', 'h2'], scale: 2}}}}), [])
    await c.until(() => c.hosts.h1!.fleet.isRunning('web.1') && c.hosts.h2!.fleet.isRunning('web.2'))
    // A fake pid lies above pid_max, so the host's delivery fails with ESRCH: what matters is who tried.
    const signalled = await c.hub.daemon.signal({name: 's'}, ['web.2@h2'], 'SIGHUP')
    expect(signalled.results).toEqual([expect.objectContaining({instance: 'web.2', message: 'not running: skipped'})])
    const described = await c.hub.daemon.describe({name: 's'}, 'web.2')
    expect(described.instance).toMatchObject({name: 'web.2', host: 'h2'})
    expect(described.cwd).toBe(c.hosts.h2!.daemon.status().stacks[0] ? (await c.hosts.h2!.daemon.describe({name: 's'}, 'web.2')).cwd : '')
    const stopped = c.hub.daemon.stop({name: 's'}, ['@h2'])
    await c.until(() => !c.hosts.h2!.fleet.isRunning('web.2'))
    expect((await stopped).results.map((r) => [r.instance, r.ok])).toEqual([['web.2', true]])
    expect(c.hosts.h1!.fleet.isRunning('web.1')).toBe(true)
    const started = c.hub.daemon.start({name: 's'}, ['web.2@h2'])
    await c.until(() => c.hosts.h2!.fleet.isRunning('web.2'))
    expect((await started).results.map((r) => [r.instance, r.ok])).toEqual([['web.2', true]])
    expect(c.hosts.h2!.fleet.runsOf('web.2')).toHaveLength(2)
  })

  it('a host only the user can fix (an unknown host key): its instances fail at once with the reason; the rest runs', async () => {
    const c = (cluster = fakeCluster(['h1', 'h2']))
    c.refuse('h1', new MarError('host-key-unknown', "host h1 (127.0.0.2 port 2222): its host key is not in known_hosts — check it and trust it with: ssh-keyscan -p 2222 127.0.0.2 >> ~/.ssh/known_hosts"))
    // (In one group, a member that fails before the group is ready fails the group, as it does locally.)
    const up = c.hub.daemon.up(fakePlan('s', {ga: {runners: {a: {hosts: ['h1']}}}, gb: {runners: {b: {hosts: ['h2']}}}}), [])
    await c.until(() => hubInstance(c, 's', 'a.1')?.state === 'failed' && c.hosts.h2!.fleet.isRunning('b.1'))
    await up
    expect(hubInstance(c, 's', 'a.1')).toMatchObject({reasonCode: 'host-unreachable'})
    expect(hubInstance(c, 's', 'a.1')!.reason).toMatch(/^host h1 \(127.0.0.2 port 2222\): its host key is not in known_hosts — check it and trust it with: ssh-keyscan/)
    // Fixed by the user: the host comes up, and a start of the instance runs it there.
    c.heal('h1')
    await c.until(() => c.hub.daemon.status().hosts.find((h) => h.name === 'h1')?.state === 'up')
    const started = c.hub.daemon.start({name: 's'}, ['a.1'])
    await c.until(() => c.hosts.h1!.fleet.isRunning('a.1'))
    expect((await started).results[0]).toMatchObject({ok: true})
  })

  it('a host without declared capacity is held to what its agent reports: an instance that would overcommit it fails, saying what does not fit', async () => {
    const c = (cluster = fakeCluster(['h1']))
    const plan = fakePlan('s', {g: {runners: {big: {hosts: ['h1']}}}})
    plan.groups[0]!.runners[0]!.instances[0]!.resources = {cpu: 4096}
    void c.hub.daemon.up(plan, [])
    await c.until(() => hubInstance(c, 's', 'big.1')?.state === 'failed')
    expect(hubInstance(c, 's', 'big.1')!.reason).toMatch(/cannot place big\.1 on h1 \(needs 4096 cpu\): h1 has [\d.]+ of the \d+ cpus it reports left/)
    expect(c.hosts.h1!.fleet.runs).toEqual([])
  })

  it('reload of a changed remote instance restarts it on its host with the new plan; an added one starts there', async () => {
    const c = (cluster = fakeCluster(['h1']))
    void c.hub.daemon.up(fakePlan('s', {g: {runners: {w: {hosts: ['h1']}, keep: {hosts: ['h1']}}}}), [])
    await c.until(() => c.hosts.h1!.fleet.isRunning('w.1') && c.hosts.h1!.fleet.isRunning('keep.1'))
    const next = fakePlan('s', {g: {runners: {w: {hosts: ['h1'], fake: {readyAfterMs: 1}}, keep: {hosts: ['h1']}, more: {hosts: ['h1']}}}})
    const reload = c.hub.daemon.reload(next, false)
    await c.until(() => c.hosts.h1!.fleet.runsOf('w.1').length === 2 && c.hosts.h1!.fleet.isRunning('w.1') && c.hosts.h1!.fleet.isRunning('more.1'))
    const reply = await reload
    expect(reply.changes.map((ch) => [ch.instance, ch.change])).toEqual(expect.arrayContaining([['w.1', 'changed'], ['more.1', 'added']]))
    // The host has the new plan, and what did not change ran on.
    expect((await c.hosts.h1!.daemon.describe({name: 's'}, 'w.1')).command).toEqual({argv: ['fake', JSON.stringify({readyAfterMs: 1})]})
    expect(c.hosts.h1!.fleet.runsOf('keep.1')).toHaveLength(1)
  })

  it('restart of a runner spread over two hosts is rolling: the instance on h2 restarts only once the one on h1 is ready again', async () => {
    const c = (cluster = fakeCluster(['h1', 'h2']))
    void c.hub.daemon.up(fakePlan('s', {g: {runners: {web: {hosts: ['h1', 'h2'], scale: 2, ready: true, fake: {readyAfterMs: 500}}}}}), [])
    await c.until(() => hubInstance(c, 's', 'web.1')?.state === 'ready' && hubInstance(c, 's', 'web.2')?.state === 'ready')
    const restart = c.hub.daemon.restart({name: 's'}, ['web'])
    await c.until(() => c.hosts.h1!.fleet.runsOf('web.1').length === 2 && c.hosts.h2!.fleet.runsOf('web.2').length === 2 && hubInstance(c, 's', 'web.2')?.state === 'ready')
    expect((await restart).results.every((r) => r.ok)).toBe(true)
    const web1Ready = c.hosts.h1!.fleet.runsOf('web.1')[1]!.readyAt!
    const web2Stopped = c.hosts.h2!.fleet.runsOf('web.2')[0]!.endedAt!
    expect(web2Stopped).toBeGreaterThanOrEqual(web1Ready)
  })

  it('down --keep while a host is unreachable: the rest stops, what runs there is left running, and the reply says so', async () => {
    const c = (cluster = fakeCluster(['h1', 'h2']))
    void c.hub.daemon.up(fakePlan('s', {g: {runners: {a: {hosts: ['h1']}, b: {hosts: ['h2']}}}}), [])
    await c.until(() => c.hosts.h1!.fleet.isRunning('a.1') && c.hosts.h2!.fleet.isRunning('b.1'))
    c.cut('h1')
    await c.until(() => hubInstance(c, 's', 'a.1')?.reasonCode === 'host-unreachable')
    const reply = await c.hub.daemon.down({name: 's'}, [], true)
    expect(reply.results.find((r) => r.instance === 'a.1')!.message).toBe('host h1 is unreachable: left running there (mar down --keep)')
    expect(reply.results.find((r) => r.instance === 'b.1')!.message).toBe('stopped')
    // No stack uses the hosts any more: the hub lets go of them.
    expect(c.hub.daemon.links!.all()).toEqual([])
    c.heal('h1')
    const dials = c.dials.h1
    await c.clock.advance(60_000)
    expect(c.dials.h1).toBe(dials)
    expect(c.hosts.h1!.fleet.isRunning('a.1')).toBe(true)
    expect(c.hosts.h2!.fleet.isRunning('b.1')).toBe(false)
  })

  it('a host declared without ssh: is this machine: its instances run in the hub itself', async () => {
    const c = (cluster = fakeCluster(['h1']))
    const plan = fakePlan('s', {g: {runners: {pool: {hosts: ['box']}, far: {hosts: ['h1']}}}})
    plan.hosts = plan.hosts.map((h) => (h.name === 'box' ? {name: 'box', labels: [], cpus: 2} : h))
    void c.hub.daemon.up(plan, [])
    await c.until(() => c.hub.fleet.isRunning('pool.1') && c.hosts.h1!.fleet.isRunning('far.1'))
    expect(hubInstance(c, 's', 'pool.1')).toMatchObject({host: 'box', state: 'running'})
    expect(c.hosts.h1!.fleet.runsOf('pool.1')).toEqual([])
  })
})
