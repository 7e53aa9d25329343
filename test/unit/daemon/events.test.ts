// What a subscriber of the API is told: a snapshot, then every change with
// its structured reason, group phases, usage at the sampler's interval; a
// watcher that falls behind is told and resynced. And a peer that speaks
// another protocol is refused with a clear error.
import {afterEach, describe, expect, it} from 'vitest'
import {DaemonClient} from '../../../src/api/client.js'
import {encodeFrame} from '../../../src/api/framing.js'
import type {WatchEvent} from '../../../src/api/protocol.js'
import {duplexPair} from '../../../src/api/transports.js'
import {openWatch} from '../../../src/daemon/watch-stream.js'
import type {Session} from '../../../src/daemon/session.js'
import {flush} from '../../helpers/fake-clock.js'
import {fakeDaemon, fakePlan, type FakeDaemon} from '../../helpers/fake-daemon.js'
import {waitFor} from '../../helpers/wait.js'

let f: FakeDaemon | undefined
afterEach(async () => {
  await f?.cleanup()
  f = undefined
})

async function watching(fake: FakeDaemon, params = {}) {
  const client = await fake.connect()
  const events: WatchEvent[] = []
  const stream = client.stream('watch', params, {item: (event) => events.push(event)})
  await waitFor('the snapshot', () => events.length > 0)
  return {client, events, stream}
}

describe('watch', () => {
  it('a snapshot first, then instance changes with reason codes and the time of the next restart', async () => {
    f = fakeDaemon()
    const {events} = await watching(f)
    expect(events[0]).toMatchObject({kind: 'snapshot', status: {stacks: [], hosts: [{name: 'local', state: 'local'}]}})
    await f.daemon.up(fakePlan('shop', {app: {runners: {web: {}}}}), [])
    await flush()
    expect(events.find((e) => e.kind === 'stack-added')).toMatchObject({stack: {name: 'shop', groups: [{name: 'app'}]}})
    f.fleet.crash('web.1', 3)
    await waitFor('backoff', () => events.some((e) => e.kind === 'instance' && e.instance.state === 'backoff'))
    const crash = events.find((e) => e.kind === 'instance' && e.instance.state === 'crashed')
    expect(crash).toMatchObject({instance: {reasonCode: 'crashed', lastExit: {code: 3}}})
    const backoff = events.find((e) => e.kind === 'instance' && e.instance.state === 'backoff')
    if (backoff?.kind !== 'instance') throw new Error('no backoff event')
    expect(backoff.instance.reasonCode).toBe('backoff')
    expect(backoff.instance.reason).toBe('exited: 3')
    // Fake time starts at 0: the first backoff is 100 ms (no jitter at the top of the range).
    expect(Date.parse(backoff.instance.nextRestartAt!)).toBeGreaterThanOrEqual(80)
    expect(Date.parse(backoff.instance.nextRestartAt!)).toBeLessThanOrEqual(100)
    expect(backoff.instance).toMatchObject({oneshot: false, ready: null, liveness: null, notifyStatus: null})
  })

  it('group phases: waiting for a dependency, then starting, started, ready; a failed dependency blocks with its reason', async () => {
    f = fakeDaemon({keepAlive: true})
    const {events} = await watching(f)
    const plan = fakePlan('shop', {
      setup: {runners: {migrate: {oneshot: true, fake: {exitAfter: {ms: 500, code: 0}}}}},
      app: {dependsOn: {setup: 'completed'}, runners: {web: {}}},
    })
    await f.daemon.up(plan, [])
    await flush()
    const phases = (group: string) => events.flatMap((e) => (e.kind === 'group' && e.group.name === group ? [e.group.phase] : []))
    expect(phases('app')).toEqual(['waiting'])
    const waiting = events.find((e) => e.kind === 'group' && e.group.phase === 'waiting')
    expect(waiting).toMatchObject({group: {reasonCode: 'dependency-waiting', reason: 'waiting for setup (completed)'}})
    // The instance says what it waits on right now, not only the condition.
    expect(f.daemon.status().stacks[0]!.instances.find((i) => i.name === 'web.1')).toMatchObject({state: 'pending', reasonCode: 'dependency-waiting', reason: 'waiting for setup (migrate.1 still running)'})
    await f.clock.advance(500)
    expect(phases('setup')).toContain('completed')
    expect(phases('app')).toEqual(['waiting', 'starting', 'started', 'completed', 'ready'])

    const failing = fakePlan('other', {
      setup: {runners: {migrate: {oneshot: true, fake: {exitAfter: {ms: 10, code: 1}}}}},
      app: {dependsOn: {setup: 'completed'}, runners: {web: {}}},
    })
    await f.daemon.up(failing, [])
    await f.clock.advance(10)
    const blocked = f.daemon.status().stacks.find((s) => s.name === 'other')!
    expect(blocked.groups.find((g) => g.name === 'app')).toMatchObject({phase: 'blocked', reasonCode: 'dependency-failed'})
    expect(blocked.instances.find((i) => i.name === 'web.1')).toMatchObject({state: 'stopped', reasonCode: 'dependency-failed'})
  })

  it('CPU and memory at the sampler interval, only for watchers that ask', async () => {
    f = fakeDaemon({usageIntervalMs: 20})
    const plain = await watching(f)
    const withUsage = await watching(f, {usage: true})
    await f.daemon.up(fakePlan('shop', {app: {runners: {web: {scale: 2}}}}), [])
    f.daemon.startSampling()
    await waitFor('a usage event', () => withUsage.events.some((e) => e.kind === 'usage' && e.stacks[0]?.instances.length === 2))
    const usage = withUsage.events.find((e) => e.kind === 'usage')
    expect(usage).toMatchObject({stacks: [{stack: 'shop', instances: [{name: 'web.1', cpu: 0, memory: 0}, {name: 'web.2'}]}]})
    expect(plain.events.some((e) => e.kind === 'usage')).toBe(false)
  })

  it('a watcher that falls behind is told how much it missed and gets a fresh snapshot once it caught up', async () => {
    f = fakeDaemon()
    const sent: unknown[] = []
    let backlog = 0
    let drained: () => void = () => {}
    const session = {
      daemon: f.daemon,
      isClosed: false,
      get backlog() {
        return backlog
      },
      send: (frame: {item?: unknown}) => sent.push(frame.item),
      whenDrained: () => new Promise<void>((resolve) => (drained = resolve)),
    } as unknown as Session
    openWatch(session, 1, {}, () => {})
    await f.daemon.up(fakePlan('shop', {app: {runners: {web: {}}}}), [])
    const before = sent.length
    backlog = 64 * 1024 * 1024
    f.fleet.crash('web.1')
    await f.clock.advance(1000)
    expect(sent.length).toBe(before) // nothing more queued for a reader this far behind
    backlog = 0
    drained()
    await flush()
    const [lagged, snapshot] = sent.slice(before) as WatchEvent[]
    expect(lagged).toMatchObject({kind: 'lagged'})
    expect((lagged as {dropped: number}).dropped).toBeGreaterThan(2)
    expect(snapshot).toMatchObject({kind: 'snapshot', status: {stacks: [{name: 'shop', instances: [{name: 'web.1', restarts: 1}]}]}})
  })
})

describe('the handshake', () => {
  it('a client refuses a peer that speaks another protocol version, saying which', async () => {
    const [ours, theirs] = duplexPair()
    theirs.on('data', () => theirs.write(encodeFrame({type: 'hello', protocol: 99, version: '9.9.9', pid: 1, role: 'daemon'})))
    await expect(DaemonClient.over(ours, {peer: 'the test daemon'})).rejects.toMatchObject({
      code: 'protocol-mismatch',
      message: expect.stringMatching(/^the test daemon speaks protocol 99 \(mar 9\.9\.9\), this mar .* speaks 2$/),
    })
  })

  it('the daemon refuses a client that speaks another protocol version', async () => {
    f = fakeDaemon()
    const client = await f.connect()
    expect(client.peer).toMatchObject({type: 'hello', protocol: 2, role: 'daemon'})
    const [ours, theirs] = duplexPair()
    const {ApiServer} = await import('../../../src/daemon/api-server.js')
    new ApiServer(f.daemon, {role: 'daemon', log: () => {}, onStopRequested: () => {}}).serve(theirs)
    const frames: unknown[] = []
    ours.on('data', (chunk: Buffer) => frames.push(...chunk.toString().trim().split('\n').map((l) => JSON.parse(l))))
    ours.write(encodeFrame({type: 'hello', protocol: 1, version: 'old', pid: 1}))
    await waitFor('the refusal', () => frames.length > 0)
    expect(frames[0]).toMatchObject({type: 'error', error: {code: 'protocol-mismatch'}})
  })
})
