// A cluster in one process (the seeds' simulation idea): a hub daemon and a
// daemon per remote host, all the real Daemon with fake programs and one
// fake clock, the hub reaching each host over an in-process pair instead of
// ssh. A test can cut a host's link (every connection to it closes and new
// dials fail) and heal it — so placement, dependencies and strategies across
// hosts, reconnect and resync are tested deterministically and fast.
import {DaemonClient} from '../../src/api/client.js'
import {MarError} from '../../src/util/errors.js'
import {FakeClock, flush} from './fake-clock.js'
import {fakeDaemon, type FakeDaemon} from './fake-daemon.js'

export interface FakeCluster {
  clock: FakeClock
  hub: FakeDaemon
  hosts: Record<string, FakeDaemon>
  /** How many times the hub dialed each host. */
  dials: Record<string, number>
  cut(host: string): void
  /** Every dial of the host fails with this error (until heal). */
  refuse(host: string, error: MarError): void
  heal(host: string): void
  /** Let fake time pass in small steps until `condition` holds (at most `ms` of fake time). */
  until(condition: () => boolean, ms?: number): Promise<void>
  cleanup(): Promise<void>
}

export function fakeCluster(hostNames: string[], options: {realLogs?: boolean} = {}): FakeCluster {
  const clock = new FakeClock()
  const hosts: Record<string, FakeDaemon> = {}
  const dials: Record<string, number> = {}
  const open: Record<string, DaemonClient[]> = {}
  const down = new Set<string>()
  const refusals = new Map<string, MarError>()
  hostNames.forEach((name, n) => {
    hosts[name] = fakeDaemon({clock, pidBase: 2 ** 22 + 100_000 * (n + 1), realLogs: options.realLogs})
    dials[name] = 0
    open[name] = []
  })
  const hub = fakeDaemon({
    clock,
    realLogs: options.realLogs,
    dialHost: (host) => async () => {
      dials[host.name] = (dials[host.name] ?? 0) + 1
      const daemon = hosts[host.name]
      if (!daemon) throw new MarError('daemon-unreachable', `no fake host ${host.name}`)
      const refusal = refusals.get(host.name)
      if (refusal) throw refusal
      if (down.has(host.name)) throw new MarError('daemon-unreachable', `host ${host.name}: connection refused (cut by the test)`)
      const client = await daemon.connect()
      open[host.name]!.push(client)
      return client
    },
  })
  const until = async (condition: () => boolean, ms = 60_000): Promise<void> => {
    for (let waited = 0; !condition(); waited += 10) {
      if (waited > ms) throw new Error(`not within ${ms} ms of fake time`)
      await clock.advance(10)
      await flush()
    }
  }
  return {
    clock,
    hub,
    hosts,
    dials,
    cut(host) {
      down.add(host)
      for (const client of open[host]!.splice(0)) client.close()
    },
    refuse(host, error) {
      refusals.set(host, error)
      this.cut(host)
    },
    heal(host) {
      down.delete(host)
      refusals.delete(host)
    },
    until,
    async cleanup() {
      await hub.cleanup()
      await Promise.all(Object.values(hosts).map((h) => h.cleanup()))
    },
  }
}
