// The daemon's actor: which stacks are up, who watches them, and the
// answers to requests. Node runs it on one thread, so each handler's
// synchronous part is the serial loop that changes state; long operations
// (stopping a stack, a rolling restart) are awaited without blocking other
// requests. Each stack's state belongs to its StackRuntime, and every
// operation on a stack goes through that runtime's queue; this class owns
// only the set of stacks, the subscribers and what is shared (usage
// samples, adoption records, the journal and the stack files).
// Foreground mode (`mar up -f`) runs this same class for its one stack.
import {join} from 'node:path'
import {encodeCursor} from '../api/cursor.js'
import type {ClearLogsReply, DaemonInfo, HostInfo, InstanceDescription, PeerRole, ReloadReply, SignalReply, StackRef, StatusReply, TargetsReply, UpReply, DownReply, WatchEvent} from '../api/protocol.js'
import {resolveTargets} from '../api/targets.js'
import {isRemoteHost, type LogSpec, type StackPlan} from '../config/types.js'
import {describeContainment, type CgroupManager} from '../supervisor/cgroup.js'
import type {Clock} from '../supervisor/clock.js'
import {MarError} from '../util/errors.js'
import {marVersion} from '../util/version.js'
import {toInstanceInfo} from './instance-status.js'
import {Records} from './records.js'
import {describeInstance} from './describe-instance.js'
import {clearStackLogs} from './log-prune.js'
import {safeName} from './paths.js'
import {journalKey, type Journal, type SpawnRecord} from './journal.js'
import type {MarPaths} from './paths.js'
import {StackRuntime, type InstanceLogStore, type RuntimeDeps} from './stack-runtime.js'
import {killRecords} from './instance-ops.js'
import type {StackStore} from './stack-store.js'
import {UsageSampler} from './usage.js'
import {hostInfos, readMachine, type HostInfoOptions} from './host-info.js'
import type {StampClock, StoredChunk} from './logs/index.js'
import type {OutputLine} from '../supervisor/output.js'
import {HostLinks, type DialHost} from './host-links.js'

/** New output of an instance was stored at [start, end) of its stream, in any stack. */
export type StackStoredListener = (stack: string, instance: string, chunk: StoredChunk) => void

export interface DaemonDeps {
  paths: MarPaths
  journal: Journal
  /** Where stacks that are up are recorded for the next daemon; null: nowhere (foreground mode). */
  stackStore: StackStore | null
  cgroups: CgroupManager
  createLogs(dir: string, spec: LogSpec): InstanceLogStore
  log(message: string): void
  role: Extract<PeerRole, 'daemon' | 'foreground'>
  /** false in foreground mode: a stack ends once all its instances ended. */
  keepAlive: boolean
  clock?: Clock
  instanceRunner?: RuntimeDeps['instanceRunner']
  /** The stamps of every log store's chunks: one order for all output (src/daemon/logs/stamp-clock.ts). */
  stamps: StampClock
  /** Every line of every instance as it is stored, in order with the events (foreground mode prints them). */
  onLine?(stack: string, instance: string, line: OutputLine): void
  /** How often CPU and memory are sampled (ms). */
  usageIntervalMs?: number
  /** How remote hosts are reached (ssh in the daemon; in-process daemons in tests). Without it (foreground mode) they are not. */
  dialHost?: DialHost
  /** What the hub's link knows of a remote host, for `status`'s hosts (host-info.ts); none: `connecting`. */
  remoteHost?: HostInfoOptions['remote']
}

export type Watcher = (event: WatchEvent) => void

export class Daemon {
  private readonly stacks = new Map<string, StackRuntime>()
  /** Stacks taken down that are still stopping or closing their logs: a new up of the same name waits for them. */
  private readonly retiring = new Map<string, {runtime: StackRuntime; gone: Promise<void>}>()
  private readonly watchers = new Map<Watcher, {usage: boolean}>()
  private readonly storedListeners = new Set<StackStoredListener>()
  /** Processes a previous daemon left running, per stack and instance, until the stack takes them. */
  private readonly adoption = new Map<string, Map<string, SpawnRecord>>()
  /** Set by shutdown: no new operation on any stack starts after it. */
  private closing = false
  private readonly usage: UsageSampler
  readonly startedAt = new Date()
  /** The journal's and stack files' state, and what the daemon does when they cannot be written. */
  readonly records: Records
  /** One link per remote host the stacks place instances on. */
  readonly links: HostLinks | undefined

  constructor(readonly deps: DaemonDeps) {
    this.records = new Records(deps.stackStore, deps.log)
    this.links = deps.dialHost
      ? new HostLinks(deps.dialHost, join(deps.paths.home, 'remote'), deps.clock, deps.log, (name) => {
          const host = this.hosts().find((h) => h.name === name)
          if (host) this.broadcast({kind: 'host', host})
        })
      : undefined
    this.usage = new UsageSampler(
      () => [...this.stacks.values()].flatMap((rt) => rt.running().map((r) => ({key: journalKey(rt.name, r.name), pid: r.pid, cgroupPath: r.cgroupPath}))),
      deps.usageIntervalMs,
      () => this.broadcastUsage(),
    )
  }

  // ------------------------------------------------------------ reading

  /** The stacks that are up (read them; change them only through their operations). */
  runtimes(): StackRuntime[] {
    return [...this.stacks.values()]
  }

  runtime(name: string): StackRuntime | undefined {
    return this.stacks.get(name)
  }

  find(ref: StackRef | null): StackRuntime {
    if (ref?.name) {
      const runtime = this.stacks.get(ref.name)
      if (runtime) return runtime
      throw new MarError('stack-not-up', `stack "${ref.name}" is not up`, {hint: 'start it with `mar up`', details: {known: [...this.stacks.keys()]}})
    }
    if (ref?.config) {
      for (const runtime of this.stacks.values()) if (runtime.plan.configPath === ref.config) return runtime
      throw new MarError('stack-not-up', `the stack of ${ref.config} is not up`, {hint: 'start it with `mar up`'})
    }
    throw new MarError('no-stack', 'no stack named', {hint: 'run mar in the directory of a mar.yaml, or name it: STACK/TARGET'})
  }

  private usageOf(stack: string) {
    return (instance: string) => this.usage.get(journalKey(stack, instance))
  }

  status(): StatusReply {
    return {stacks: this.runtimes().map((rt) => rt.info(this.usageOf(rt.name))), hosts: this.hosts(), warnings: this.records.warnings()}
  }

  /** A kind of record (journal, stack files, MAR_HOME) cannot be written (`why`), or can again (null). */
  recordsProblem(kind: string, why: string | null, retry?: () => boolean): void {
    this.records.problem(kind, why, retry)
  }

  async describe(ref: StackRef, target: string): Promise<InstanceDescription> {
    const runtime = this.find(ref)
    const here = describeInstance(runtime, target, this.deps.paths, this.usageOf(runtime.name))
    if (!isRemoteHost(runtime.plan, here.instance.host)) return here
    // Its command, cwd, probes and exits are its host's to tell; its state and log files are the hub's.
    const there = await runtime.describeThere(here.instance.name)
    return there ? {...there, stack: here.stack, config: here.config, instance: here.instance, logs: here.logs} : here
  }

  /** Stacks whose logs are in use: up, or still stopping and closing their logs. */
  stackNamesInUse(): Set<string> {
    return new Set([...this.stacks.keys(), ...this.retiring.keys()])
  }

  /** Whether a stack's log directory (or, with `instanceDir`, one instance's) belongs to a stack that is up. */
  logsInUse(stackDir: string, instanceDir?: string): boolean {
    for (const name of this.stackNamesInUse()) {
      if (safeName(name) !== stackDir) continue
      const runtime = this.stacks.get(name)
      if (instanceDir === undefined || !runtime) return true
      if (runtime.instanceNames().some((n) => safeName(n) === instanceDir)) return true
    }
    return false
  }

  /** Delete a stack's stored logs, unless they are in use (log-prune.ts). */
  clearLogs(stack: string): Promise<ClearLogsReply> {
    return clearStackLogs(this.deps.paths, stack, {role: this.deps.role, inUse: (dir) => this.logsInUse(dir)})
  }

  /** `local`, and the hosts the stacks declare, with what is placed on each (host-info.ts). */
  private hosts(): HostInfo[] {
    return hostInfos(this.runtimes().map((rt) => rt.plan), {remote: this.deps.remoteHost ?? ((host) => this.links?.view(host.name)), since: this.startedAt.toISOString()})
  }

  info(): DaemonInfo {
    const {cgroups} = this.deps
    return {
      pid: process.pid,
      version: marVersion(),
      home: this.deps.paths.home,
      startedAt: this.startedAt.toISOString(),
      stacks: this.stacks.size,
      instances: this.runtimes().reduce((n, rt) => n + rt.instanceNames().length, 0),
      warnings: this.records.warnings(),
      containment: describeContainment(cgroups),
      role: this.deps.role,
      machine: readMachine(),
    }
  }

  // ------------------------------------------------------------ subscribers

  /** Events from now on; the caller sends its snapshot first (status()). */
  subscribe(watcher: Watcher, options: {usage?: boolean} = {}): () => void {
    this.watchers.set(watcher, {usage: Boolean(options.usage)})
    return () => this.watchers.delete(watcher)
  }

  private broadcast(event: WatchEvent): void {
    for (const watcher of this.watchers.keys()) watcher(event)
  }

  private broadcastUsage(): void {
    const wanting = [...this.watchers].filter(([, options]) => options.usage).map(([watcher]) => watcher)
    if (wanting.length === 0) return
    const stacks = this.runtimes().map((rt) => ({
      stack: rt.name,
      instances: rt.running().flatMap(({name}) => {
        const usage = this.usage.get(journalKey(rt.name, name))
        return usage ? [{name, cpu: Math.round(usage.cpu * 10) / 10, memory: usage.memory}] : []
      }),
    }))
    const event: WatchEvent = {kind: 'usage', at: new Date().toISOString(), stacks}
    for (const watcher of wanting) watcher(event)
  }

  /** Told of every chunk of output stored, in any stack, now or later (logs -f). */
  onStored(listener: StackStoredListener): () => void {
    this.storedListeners.add(listener)
    return () => this.storedListeners.delete(listener)
  }

  /** Up, or on its way down: watchers hear of its instances stopping. */
  private isCurrent(runtime: StackRuntime): boolean {
    return this.stacks.get(runtime.name) === runtime || this.retiring.get(runtime.name)?.runtime === runtime
  }

  private runtimeDeps(): RuntimeDeps {
    const {paths, journal, cgroups, createLogs, log, keepAlive, clock, instanceRunner, onLine} = this.deps
    return {
      paths,
      journal,
      cgroups,
      createLogs,
      log,
      keepAlive,
      clock,
      instanceRunner,
      onLine,
      links: this.links,
      onInstance: (runtime, status) => {
        if (this.watchers.size > 0 && this.isCurrent(runtime)) {
          this.broadcast({kind: 'instance', stack: runtime.name, instance: toInstanceInfo(status, this.usage.get(journalKey(runtime.name, status.name)))})
        }
      },
      onGroup: (runtime, group) => {
        if (this.isCurrent(runtime)) this.broadcast({kind: 'group', stack: runtime.name, group})
      },
      onReset: (runtime) => {
        if (this.stacks.get(runtime.name) === runtime) this.broadcast({kind: 'stack-added', stack: runtime.info(this.usageOf(runtime.name))})
      },
      onStored: (stack, instance, chunk) => {
        for (const listener of this.storedListeners) listener(stack, instance, chunk)
      },
    }
  }

  // ------------------------------------------------------------ operations

  private refuseWhenClosing(): void {
    if (this.closing) throw new MarError('daemon-stopping', 'the daemon is stopping', {hint: 'start it again with `mar daemon start`'})
  }

  /** Record a stack's plan and what is held stopped in it, for the next daemon. */
  private persist(runtime: StackRuntime): void {
    if (this.stacks.get(runtime.name) === runtime) this.records.save(runtime.plan, runtime.heldNames())
  }

  /** Add a stack (or update one that is up, as reload would) and start its targets; `held` stay stopped (a stack coming back). */
  async up(plan: StackPlan, targets: string[], held: string[] = []): Promise<UpReply> {
    this.refuseWhenClosing()
    resolveTargets(plan, targets) // a bad target changes nothing
    // Output from here on is this run's: `mar up` reports a failure with these lines, not an earlier config's.
    const logsFrom = encodeCursor({stamp: this.deps.stamps.boundary()})
    for (;;) {
      const existing = this.stacks.get(plan.name)
      if (existing) {
        if (existing.plan.configPath !== plan.configPath) {
          throw new MarError('stack-name-taken', `a stack named "${plan.name}" from ${existing.plan.configPath} is already up`, {
            hint: 'give this one another `name:` in its mar.yaml, or take the other down first',
          })
        }
        const applied = await existing.apply(plan, targets)
        this.persist(existing)
        return {stack: plan.name, instances: applied.wanted, changes: applied.changes, blocked: applied.blocked, logsFrom}
      }
      // An earlier run of this name stops and closes its logs before a new one starts.
      const retiring = this.retiring.get(plan.name)
      if (!retiring) break
      await retiring.gone
      this.refuseWhenClosing()
    }
    // From here to the registration nothing waits: a second `up` of the same stack finds this one.
    const runtime = new StackRuntime(plan, this.runtimeDeps(), this.adoption.get(plan.name))
    this.adoption.delete(plan.name)
    this.stacks.set(plan.name, runtime)
    this.broadcast({kind: 'stack-added', stack: runtime.info(this.usageOf(runtime.name))})
    const instances = await runtime.up(targets, held)
    this.persist(runtime)
    return {stack: plan.name, instances, changes: [], blocked: [], logsFrom}
  }

  async reload(plan: StackPlan, dryRun: boolean): Promise<ReloadReply> {
    if (!dryRun) this.refuseWhenClosing()
    const runtime = this.find({name: plan.name})
    const diff = await runtime.reload(plan, dryRun)
    if (!dryRun) this.persist(runtime)
    return {...diff, applied: !dryRun}
  }

  /** A runner's scale for this session: planned again from the stack's file, applied to that runner alone (scale-plan.ts). */
  async scale(ref: StackRef, runner: string, scale: number): Promise<ReloadReply> {
    this.refuseWhenClosing()
    const runtime = this.find(ref)
    const {rescaledPlan} = await import('./scale-plan.js')
    return this.reload(await rescaledPlan(runtime.plan, runner, scale), false)
  }

  start(ref: StackRef, targets: string[]): Promise<TargetsReply> {
    return this.onTargets(ref, (runtime) => runtime.startTargets(targets))
  }

  stop(ref: StackRef, targets: string[]): Promise<TargetsReply> {
    return this.onTargets(ref, (runtime) => runtime.stopTargets(targets))
  }

  restart(ref: StackRef, targets: string[]): Promise<TargetsReply> {
    return this.onTargets(ref, (runtime) => runtime.restartTargets(targets))
  }

  /** An operation on some instances of a stack, whose outcome the stack file keeps (what is held stopped). */
  private async onTargets(ref: StackRef, op: (runtime: StackRuntime) => Promise<TargetsReply['results']>): Promise<TargetsReply> {
    this.refuseWhenClosing()
    const runtime = this.find(ref)
    const results = await op(runtime)
    this.persist(runtime)
    return {stack: runtime.name, results}
  }

  async signal(ref: StackRef, targets: string[], signal: NodeJS.Signals): Promise<SignalReply> {
    const runtime = this.find(ref)
    return {stack: runtime.name, signal, results: await runtime.signalTargets(targets, signal)}
  }

  /** Stop targets; with none (or all of them), stop the whole stack and forget it. */
  async down(ref: StackRef, targets: string[], keepUnreachable = false): Promise<DownReply> {
    this.refuseWhenClosing()
    const runtime = this.find(ref)
    const names = runtime.resolve(targets)
    if (targets.length > 0 && names.length < runtime.instanceNames().length) {
      const results = await runtime.stopTargets(targets)
      this.persist(runtime)
      return {stack: runtime.name, removed: false, results}
    }
    // It leaves at once (a new `up` of the name waits for it to be gone); operations under way are cancelled.
    this.stacks.delete(runtime.name)
    this.records.remove(runtime.name)
    this.broadcast({kind: 'stack-removed', stack: runtime.name})
    // What had a process, so the reply says what was stopped rather than counting what never ran.
    const hadProcess = new Set(names.filter((instance) => runtime.status(instance)?.pid != null))
    const stopped = runtime.down(keepUnreachable)
    // The caller hears back once it stopped; its last output is stored right after.
    const gone = stopped
      .catch((e: Error) => this.deps.log(`stopping ${runtime.name}: ${e.message}`))
      .then(() => runtime.closeLogs())
      .catch((e: Error) => this.deps.log(`closing logs of ${runtime.name}: ${e.message}`))
    this.retiring.set(runtime.name, {runtime, gone})
    void gone.then(() => {
      if (this.retiring.get(runtime.name)?.runtime === runtime) this.retiring.delete(runtime.name)
    })
    await stopped
    // An instance whose host could not be reached says what becomes of it there.
    const told = (instance: string) => {
      const status = runtime.status(instance)
      if (status?.reasonCode === 'host-unreachable' && status.reason) return status.reason
      return hadProcess.has(instance) ? 'stopped' : 'was not running'
    }
    return {stack: runtime.name, removed: true, results: names.map((instance) => ({instance, ok: true, message: told(instance)}))}
  }

  // ------------------------------------------------------------ life

  /** Bring back the stacks that were up, adopting the processes a previous daemon left running. */
  async resurrect(): Promise<void> {
    const records = this.deps.journal.load()
    // Only what is still worth knowing survives compaction: live runs and how ended ones ended.
    this.deps.journal.compact(records.values())
    this.sweepLeftovers(new Set([...records.values()].flatMap((r) => (r.cgroupPath && !r.ended ? [r.cgroupPath] : []))))
    for (const record of records.values()) {
      const perStack = this.adoption.get(record.stack) ?? new Map<string, SpawnRecord>()
      perStack.set(record.instance, record)
      this.adoption.set(record.stack, perStack)
    }
    const {stacks, problems} = this.deps.stackStore?.loadAll() ?? {stacks: [], problems: []}
    for (const problem of problems) this.deps.log(`cannot restore stack ${problem}`)
    await Promise.all(
      stacks.map(({plan, stopped}) => this.up(plan, [], stopped).catch((error: Error) => this.deps.log(`cannot restore stack ${plan.name}: ${error.message}`))),
    )
    // Records of stacks that did not come back belong to no stack that is up:
    // their processes would be orphans, so they go. (Records of stacks that did
    // come back are their runtimes' now, taken as their instances start.)
    const untaken = [...this.adoption].flatMap(([stack, perStack]) => [...perStack].flatMap(([instance, record]) => (record.ended ? [] : [{name: `${stack}/${instance}`, record}])))
    const killed = killRecords(untaken.map((u) => u.record))
    untaken.forEach(({name, record}, i) => killed[i]! > 0 && this.deps.log(`killed ${killed[i]} process(es) of ${name} (run ${record.pid}): its stack is not up`))
    this.adoption.clear()
    this.usage.start()
  }

  /** Start sampling CPU and memory (resurrect does, for the daemon). */
  startSampling(): void {
    this.usage.start()
  }

  /**
   * Instance cgroups that no running instance owns hold processes no daemon
   * tracks (a journal lost or from another version): they would hold ports
   * and files the real instances need, so they are killed.
   */
  private sweepLeftovers(owned: Set<string>): void {
    for (const cgroup of this.deps.cgroups.list()) {
      if (owned.has(cgroup.path)) continue
      const members = cgroup.members()
      if (members.length > 0) {
        this.deps.log(`killing ${members.length} untracked process(es) left in ${cgroup.path}: ${members.join(' ')}`)
        cgroup.kill()
      }
      cgroup.remove()
    }
  }

  /**
   * An upper bound on how long stopping everything can take: stacks stop in
   * parallel; within one, each group's stop timeouts add up if it is ordered.
   */
  stopBoundMs(): number {
    let worst = 0
    for (const runtime of this.stacks.values()) {
      let total = 0
      for (const group of runtime.plan.groups) {
        const timeouts = group.runners.flatMap((r) => r.instances.map((i) => i.stop.timeoutMs))
        total += group.strategy === 'ordered' ? timeouts.reduce((a, b) => a + b, 0) : Math.max(0, ...timeouts)
      }
      worst = Math.max(worst, total)
    }
    return worst
  }

  /** Stop every stack; with keep, leave the processes running for the next daemon to adopt. */
  async shutdown(keep: boolean): Promise<void> {
    this.closing = true
    this.usage.stop()
    const runtimes = this.runtimes()
    await Promise.all(runtimes.map((rt) => rt.shutdown(keep).catch((e: Error) => this.deps.log(`stopping ${rt.name}: ${e.message}`))))
    await Promise.all([...runtimes.map((rt) => rt.closeLogs().catch(() => {})), ...[...this.retiring.values()].map((r) => r.gone)])
    this.links?.close()
    this.deps.journal.dispose()
    this.records.dispose()
  }
}
