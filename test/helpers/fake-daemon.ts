// The daemon without processes: the real Daemon, runtimes, operation queue,
// sessions and protocol, with fake programs (FakeFleet) and fake time in
// place of spawned ones, a private MAR_HOME for its journal and stack files,
// and a client over an in-process pair — so races between operations are
// tested deterministically and fast. Named for what it fakes: the programs.
import {closeSync, mkdtempSync, rmSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DaemonClient} from '../../src/api/client.js'
import {ensureHome, marPaths} from '../../src/api/home.js'
import {duplexPair} from '../../src/api/transports.js'
import type {GroupPlan, InstancePlan, RestartSpec, StackPlan} from '../../src/config/types.js'
import {ApiServer} from '../../src/daemon/api-server.js'
import {Daemon, type DaemonDeps} from '../../src/daemon/daemon.js'
import {Journal} from '../../src/daemon/journal.js'
import {StampClock} from '../../src/daemon/logs/stamp-clock.js'
import {InstanceLogs} from '../../src/daemon/logs/index.js'
import {spoolDirFor} from '../../src/daemon/paths.js'
import type {InstanceLogStore} from '../../src/daemon/stack-logs.js'
import {StackStore} from '../../src/daemon/stack-store.js'
import {createCgroupManager} from '../../src/supervisor/cgroup.js'
import {LineBus} from '../../src/supervisor/output.js'
import {noReason} from '../../src/supervisor/reasons.js'
import type {DependencyCondition, GroupStrategy, RestartStrategy} from '../../src/supervisor/spec.js'
import {FakeClock} from './fake-clock.js'
import {FakeFleet, type FakeOptions} from './fake-fleet.js'

export interface RunnerDef {
  scale?: number
  oneshot?: boolean
  restart?: Partial<RestartSpec>
  /** How the fake program behaves; also part of the plan, so changing it is a config change (reload). */
  fake?: FakeOptions
  /** A readiness probe exists (the fake decides when it is ready: fake.readyAfterMs). */
  ready?: boolean
  /** Hosts its instances go to, round-robin (default local): a cluster test's placement. */
  hosts?: string[]
}

export interface GroupDef {
  strategy?: GroupStrategy
  restart?: RestartStrategy
  dependsOn?: Record<string, DependencyCondition>
  runners: Record<string, RunnerDef>
}

const backoff = {initialMs: 100, maxMs: 1000, factor: 2}

/** A plan as the config part would make it, for fake programs; groups start in the order given. */
export function fakePlan(name: string, groups: Record<string, GroupDef>, configPath = `/stacks/${name}/mar.yaml`): StackPlan {
  const groupPlans: GroupPlan[] = Object.entries(groups).map(([group, def]) => ({
    name: group,
    strategy: def.strategy ?? 'parallel',
    restart: {strategy: def.restart ?? 'one-for-one'},
    dependsOn: Object.entries(def.dependsOn ?? {}).map(([dep, condition]) => ({group: dep, condition})),
    runners: Object.entries(def.runners).map(([runner, r]) => {
      const oneshot = r.oneshot ?? false
      const instances = Array.from({length: r.scale ?? 1}, (_, i): InstancePlan => ({
        name: `${runner}.${i + 1}`,
        runner,
        group,
        index: i + 1,
        host: r.hosts?.[i % r.hosts.length] ?? 'local',
        // The fake's behaviour stands in for the command: a new behaviour is a changed instance.
        command: {argv: ['fake', JSON.stringify(r.fake ?? {})]},
        cwd: '/',
        env: {},
        envKeys: [],
        ...(r.ready ? {ready: {check: {kind: 'after', delayMs: 0}, timeoutMs: 60_000, intervalMs: 250}} : {}),
        restart: {policy: oneshot ? 'never' : 'always', backoff, ...r.restart},
        stop: {signal: 'SIGTERM', timeoutMs: 10_000},
        oneshot,
        log: {maxSize: 1024 * 1024, keep: 1},
      }))
      return {name: runner, group, oneshot, scale: instances.length, instances}
    }),
  }))
  const remote = [...new Set(groupPlans.flatMap((g) => g.runners.flatMap((r) => r.instances.map((i) => i.host))))].filter((h) => h !== 'local')
  const hosts = [{name: 'local', labels: []}, ...remote.map((h) => ({name: h, ssh: `fake-${h}`, labels: []}))]
  return {name, configPath, dir: '/', format: 'mar.yaml', groups: groupPlans, startOrder: groupPlans.map((g) => g.name), hosts, notActedOn: []}
}

/** A log store that stores nothing: fake programs write no output. */
function nullLogs(): InstanceLogStore {
  return {
    bus: new LineBus(),
    open: async () => {},
    openForChild: () => {
      throw new Error('fake programs have no log files')
    },
    startTailing: () => {},
    stopTailing: () => {},
    pump: async () => {},
    endLines: () => {},
    onStored: () => () => {},
    ends: () => ({stdout: 0, stderr: 0}),
    close: async () => {},
  }
}

export interface FakeDaemon {
  daemon: Daemon
  /** With realLogs: write a line to an instance's current run's stdout. */
  write(instance: string, line: string): void
  clock: FakeClock
  fleet: FakeFleet
  home: string
  /** A client over an in-process pair, served by the daemon's own session code. */
  connect(): Promise<DaemonClient>
  cleanup(): Promise<void>
}

export interface FakeDaemonOptions extends Partial<Pick<DaemonDeps, 'keepAlive' | 'usageIntervalMs' | 'dialHost' | 'createLogs'>> {
  /** One clock for several daemons (a cluster in one process: test/helpers/fake-cluster.ts). */
  clock?: FakeClock
  /** Fake pids start above it (distinct per daemon of a cluster). */
  pidBase?: number
  /**
   * Real log stores (src/daemon/logs) instead of none, and fake programs
   * that can write output: `writes(instance)` gives a function that appends
   * to the instance's current run's stdout, as a program would.
   */
  realLogs?: boolean
}

export function fakeDaemon(options: FakeDaemonOptions = {}): FakeDaemon {
  const home = mkdtempSync(join(tmpdir(), 'mar-fake-'))
  const paths = marPaths(home)
  ensureHome(paths)
  const clock = options.clock ?? new FakeClock()
  // Fake pids above the kernel's pid_max: a signal sent to one reaches no real process.
  const fleet = new FakeFleet(clock, options.pidBase ?? 2 ** 22 + 1000)
  const behaviour = (instance: InstancePlan): FakeOptions => {
    const command = instance.command as {argv: string[]}
    return JSON.parse(command.argv[1] ?? '{}') as FakeOptions
  }
  const stamps = new StampClock()
  const outputs = new Map<string, number>()
  const realLogs: DaemonDeps['createLogs'] = (dir, spec) => new InstanceLogs(dir, {maxSize: spec.maxSize, keep: spec.keep, stamps, spoolDir: spoolDirFor(paths, dir), onError: () => {}})
  const daemon = new Daemon({
    paths,
    stamps,
    journal: new Journal(paths.journal),
    stackStore: new StackStore(paths.stacks),
    cgroups: createCgroupManager({namespace: 'fake', disabled: true}),
    createLogs: options.createLogs ?? (options.realLogs ? realLogs : nullLogs),
    dialHost: options.dialHost,
    log: process.env.MAR_FAKE_LOG ? (m: string) => console.log(`[${home}] ${m}`) : () => {},
    role: 'daemon',
    keepAlive: options.keepAlive ?? true,
    clock,
    usageIntervalMs: options.usageIntervalMs,
    instanceRunner: (_plan, instance, buildOptions) => {
      const fake = fleet.runner(instance.name, {...behaviour(instance), oneshot: instance.oneshot})
      const output = options.realLogs ? buildOptions.output(instance) : null
      // With real logs, a run opens its output files as a spawn would, and keeps them while it runs.
      const program: typeof fake = !output || output.kind !== 'files' ? fake : async (ctx) => {
        const files = await output.open()
        outputs.set(instance.name, files.stdout)
        try {
          await fake(ctx)
        } finally {
          if (outputs.get(instance.name) === files.stdout) outputs.delete(instance.name)
          closeSync(files.stdout)
          closeSync(files.stderr)
        }
      }
      if (!instance.ready) return program
      // With a readiness probe, ready is a state of its own (the probe wrapper reports it).
      return (ctx) =>
        program({
          ...ctx,
          ready: () => {
            ctx.emit({kind: 'instance', name: instance.name, at: clock.now(), state: 'ready', why: noReason})
            ctx.ready()
          },
        })
    },
  })
  const server = new ApiServer(daemon, {role: 'daemon', log: () => {}, onStopRequested: () => {}})
  const clients: DaemonClient[] = []
  return {
    daemon,
    clock,
    fleet,
    home,
    write(instance, line) {
      const fd = outputs.get(instance)
      if (fd === undefined) throw new Error(`${instance} has no run writing output`)
      writeSync(fd, `${line}\n`)
    },
    async connect() {
      const [ours, theirs] = duplexPair()
      server.serve(theirs)
      const client = await DaemonClient.over(ours)
      clients.push(client)
      return client
    },
    async cleanup() {
      for (const client of clients) client.close()
      const stopping = daemon.shutdown(false)
      // Fake stops may wait on fake time.
      for (let i = 0; i < 100 && !(await Promise.race([stopping.then(() => true), clock.advance(1000).then(() => false)])); i++);
      await stopping
      rmSync(home, {recursive: true, force: true})
    },
  }
}
