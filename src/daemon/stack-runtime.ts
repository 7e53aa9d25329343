// One stack at run time: its plan, its running tree of runners, the status
// of each instance and group, its adoption records and its captured logs.
// The runtime is their only owner: the daemon and its sessions read them
// through methods and change them only through the operations below, each
// of which passes through the stack's queue (operation-queue.ts).
import type {BlockedChange, GroupInfo, InstanceDescription, StackInfo, TargetResult} from '../api/protocol.js'
import {resolveTargets, selectTargets} from '../api/targets.js'
import {buildMember, buildStack, type BuildOptions, type BuiltStack} from '../config/to-runners.js'
import {allInstances, isRemoteHost, type InstancePlan, type LogSpec, type StackPlan} from '../config/types.js'
import type {CgroupManager} from '../supervisor/cgroup.js'
import {realClock, type Clock} from '../supervisor/clock.js'
import {isRunning} from '../supervisor/proc.js'
import {because} from '../supervisor/reasons.js'
import {start, type GroupEvent, type Process, type SupervisorEvent} from '../supervisor/runner.js'
import {MarError, isMarError} from '../util/errors.js'
import {initialStatus, replanStatus, toInstanceInfo, type InstanceStatus} from './instance-status.js'
import type {Journal, SpawnRecord} from './journal.js'
import {OperationQueue} from './operation-queue.js'
import {byRunner, deliverSignal, killRecorded, planStart} from './instance-ops.js'
import {InstanceRuns} from './instance-runs.js'
import type {MarPaths} from './paths.js'
import {diffPlans, withoutChanges, type PlanDiff} from './plan-diff.js'
import {applyInOrder} from './reload-order.js'
import {dependencyOutcome} from './dependency-state.js'
import {InstanceBoard} from './instance-board.js'
import {StackLogs, type InstanceLogStore} from './stack-logs.js'
import type {StoredChunk} from './logs/index.js'
import type {OutputLine} from '../supervisor/output.js'
import type {HostLinks} from './host-links.js'
import {StackShare} from './stack-share.js'
import {remoteInstanceRunner, type RemoteSeat} from './remote-instance.js'

export type {InstanceLogStore} from './stack-logs.js'

export interface RuntimeDeps {
  paths: MarPaths
  journal: Journal
  cgroups: CgroupManager
  createLogs(dir: string, spec: LogSpec): InstanceLogStore
  /** An instance's status changed. */
  onInstance(runtime: StackRuntime, status: InstanceStatus): void
  /** A group's phase changed. */
  onGroup(runtime: StackRuntime, group: GroupInfo): void
  /** The stack started over (a new up, a reload that restarts it whole): watchers need all of it again. */
  onReset(runtime: StackRuntime): void
  /** New output of an instance was stored at [start, end) (followers of `mar logs -f` read it). */
  onStored(stack: string, instance: string, chunk: StoredChunk): void
  onLine?(stack: string, instance: string, line: OutputLine): void
  log(message: string): void
  /** false (foreground mode): the stack ends once every instance has ended, as foreman's does. */
  keepAlive: boolean
  clock?: Clock
  /** The leaf runner of an instance (tests: fake programs); default a real program. */
  instanceRunner?: BuildOptions['instanceRunner']
  /** The daemon's links to remote hosts; without them (foreground mode) remote instances fail with a reason. */
  links?: HostLinks
}

/** A reload's changes, and those a failed dependency kept from being applied. */
export interface Reloaded extends PlanDiff {
  blocked: BlockedChange[]
}

/** What a running stack does with the instances of a changed plan, for `up` and `reload`. */
export interface Applied extends Reloaded {
  /** The instances `up` asked for, which it waits for. */
  wanted: string[]
}

const initialGroups = (plan: StackPlan): Map<string, GroupInfo> =>
  new Map(plan.groups.map((g) => [g.name, {name: g.name, phase: 'pending', reason: null, reasonCode: null, dependsOn: g.dependsOn.map((d) => ({group: d.group, condition: d.condition}))}]))

export class StackRuntime {
  private current: StackPlan
  /** Its instances' statuses, and what follows from their changes. */
  private readonly board = new InstanceBoard((status) => this.deps.onInstance(this, status))
  private groups: Map<string, GroupInfo>
  /** Instances the user stopped or did not ask for: they stay stopped, also across daemon restarts. */
  private readonly held = new Set<string>()
  private readonly queue = new OperationQueue()
  /** Its runs as the journal records them, and those a previous daemon left. */
  private readonly runs: InstanceRuns
  readonly logs: StackLogs
  private built: BuiltStack | null = null
  private proc: Process | null = null
  /** `mar down --keep`: what runs on an unreachable host is left running there. */
  private keepUnreachable = false
  /** Its share on each remote host it places instances on (stack-share.ts). */
  private readonly shares = new Map<string, StackShare>()

  constructor(
    plan: StackPlan,
    private readonly deps: RuntimeDeps,
    /** Processes a previous daemon left running, by instance name; each is taken once. */
    adoption: Map<string, SpawnRecord> = new Map(),
  ) {
    this.current = plan
    this.runs = new InstanceRuns(() => this.name, deps.journal, deps.log, adoption)
    this.groups = initialGroups(plan)
    for (const instance of allInstances(plan)) this.statuses.set(instance.name, initialStatus(instance))
    this.logs = new StackLogs(plan.name, {
      paths: deps.paths,
      createLogs: deps.createLogs,
      onStored: (instance, chunk) => deps.onStored(this.name, instance, chunk),
      onLine: deps.onLine ? (instance, line) => deps.onLine!(this.name, instance, line) : undefined,
      log: deps.log,
    })
  }

  get name(): string {
    return this.current.name
  }

  get plan(): StackPlan {
    return this.current
  }

  /** Its tree of runners runs (false before up, after down, or once a foreground stack ended by itself). */
  get isRunning(): boolean {
    return this.proc !== null && !this.proc.isExited
  }

  /** Resolves once the tree of runners has ended (foreground mode: every instance ended). */
  async ended(): Promise<void> {
    await this.proc?.exited.catch(() => {})
  }

  instanceNames(): string[] {
    return [...this.statuses.keys()]
  }

  status(name: string): InstanceStatus | undefined {
    return this.statuses.get(name)
  }

  /** Instances kept stopped, for the stack file: they stay stopped when the stack comes back. */
  heldNames(): string[] {
    return [...this.held]
  }

  info(usageOf: (name: string) => {cpu: number; memory: number} | undefined): StackInfo {
    return {
      name: this.name,
      config: this.current.configPath,
      groups: [...this.groups.values()],
      instances: [...this.statuses.values()].map((s) => toInstanceInfo(s, usageOf(s.name))),
    }
  }

  /** Running instances of this machine with what the usage sampler needs (a remote pid is the remote host's). */
  running(): {name: string; pid: number; cgroupPath?: string}[] {
    return [...this.statuses.values()].filter((s) => s.pid !== null && !isRemoteHost(this.current, s.host)).map((s) => ({name: s.name, pid: s.pid!, cgroupPath: this.runs.cgroupOf(s.name)}))
  }

  /** The cgroup an instance runs in, while it runs in one. */
  cgroupOf(name: string): string | undefined {
    return this.runs.cgroupOf(name)
  }

  /** Every instance the targets name (all for none); throws a usage error for unknown ones. */
  resolve(targets: readonly string[]): string[] {
    return resolveTargets(this.current, targets)
  }

  // ------------------------------------------------------------ events

  private onEvent = (event: SupervisorEvent): void => {
    if (event.kind === 'group') return this.onGroupEvent(event)
    this.board.apply(event, this.current.groups, () => {
      if (event.state === 'ready') this.runs.readied(event.name)
    })
  }

  private get statuses(): Map<string, InstanceStatus> {
    return this.board.statuses
  }

  private onGroupEvent(event: GroupEvent): void {
    const group = this.groups.get(event.name)
    if (!group) return
    const next: GroupInfo = {...group, phase: event.phase, reason: event.why?.reason ?? null, reasonCode: event.why?.reasonCode ?? null}
    this.groups.set(event.name, next)
    this.deps.onGroup(this, next)
  }

  private buildOptions(): BuildOptions {
    const {paths, cgroups} = this.deps
    return {
      output: (instance) => ({kind: 'files', open: () => this.logs.filesForSpawn(instance)}),
      lines: (instance) => this.logs.store(instance).bus,
      runtimeDir: paths.run,
      emit: this.onEvent,
      cgroups,
      clock: this.deps.clock,
      keepAlive: this.deps.keepAlive,
      instanceRunner: this.deps.instanceRunner,
      remoteRunner: this.deps.links ? (_plan, instance) => remoteInstanceRunner(instance, this.seat(instance.host)) : undefined,
      autostart: (instance) => !this.held.has(instance.name),
      takeAdoption: (instance) => {
        const record = this.runs.take(instance.name)
        if (!record) return undefined
        const status = this.statuses.get(instance.name)
        if (status && record.restarts) this.statuses.set(instance.name, {...status, restarts: record.restarts})
        if (record.ended || isRunning(record.pid, record.startTime)) return record
        // Its main process ended while no daemon watched: what it left behind (setsid, double forks) goes before it starts again.
        const killed = killRecorded(record)
        if (killed > 0) this.deps.log(`killed ${killed} process(es) left by ${this.name}/${instance.name}'s run ${record.pid}, which ended while no daemon ran`)
        return undefined
      },
      assumeReady: (instance) => this.runs.wasReady(instance.name),
      onSpawn: (instance, record) => this.runs.spawned(instance.name, record, this.statuses.get(instance.name)?.restarts ?? 0),
      onExit: (instance, record, exit, stopped) => {
        this.runs.exited(instance.name, record, exit, stopped)
        // Store its last words before its end is told: `mar up` reports them, a terminal shows them first.
        const store = this.logs.get(instance.name)
        return store?.pump().then(
          () => store.endLines(),
          () => {},
        )
      },
    }
  }

  // ------------------------------------------------------------ operations (each through the queue)

  /** Start the stack; with targets, only those instances and what they depend on. `held` instances stay stopped. */
  up(targets: string[], held: Iterable<string> = []): Promise<string[]> {
    return this.queue.run('stack', async () => this.startTree(targets, held))
  }

  private startTree(targets: string[], held: Iterable<string>): string[] {
    const instances = allInstances(this.current)
    const wanted = targets.length === 0 ? instances : allInstances(selectTargets(this.current, targets))
    // A process still running is the truth about what is wanted: an instance recorded as stopped whose
    // process a previous daemon left running (a start raced its kill -9) is taken over, not left unsupervised.
    const keep = new Set([...held].filter((name) => !this.runs.leftRunning(name)))
    const chosen = new Set(wanted.map((i) => i.name).filter((name) => !keep.has(name)))
    this.held.clear()
    for (const instance of instances) {
      if (chosen.has(instance.name)) continue
      this.held.add(instance.name)
      const stopped = keep.has(instance.name) ? because('stopped-by-user', 'stopped by mar stop') : because('not-targeted', 'not started (not among the targets of mar up)')
      this.statuses.set(instance.name, {...this.statuses.get(instance.name)!, state: 'stopped', ...stopped})
    }
    this.built = buildStack(this.current, this.buildOptions())
    const proc = start(this.built.runner, {name: this.name, emit: this.onEvent, clock: this.deps.clock})
    this.proc = proc
    // Output written while no daemon ran is caught up on after the spawns.
    setImmediate(() => {
      if (this.proc === proc) this.logs.catchUp(allInstances(this.current)) // unless stopped already: its stores were closed
    })
    return [...chosen]
  }

  /**
   * `mar up` of a stack that is up: apply the plan as reload would, then
   * start what the targets name that is not running.
   */
  apply(plan: StackPlan, targets: string[]): Promise<Applied> {
    return this.queue.run('stack', async (signal) => {
      const diff = await this.applyPlan(plan, signal)
      const wanted = allInstances(selectTargets(plan, targets)).map((i) => i.name)
      const idle = wanted.filter((name) => {
        const state = this.statuses.get(name)!.state
        return state === 'stopped' || state === 'failed' || state === 'crashed' || state === 'pending'
      })
      for (const name of idle) this.held.delete(name)
      // They start in the background: `mar up` waits for them through its watch, not this reply.
      void this.startInstances(idle).then((results) => {
        for (const r of results) if (!r.ok) this.deps.log(`start ${this.name}/${r.instance}: ${r.message}`)
      })
      return {...diff, wanted}
    })
  }

  /** `mar reload`: the changes a plan makes; applied unless it is a dry run. */
  reload(plan: StackPlan, dryRun: boolean): Promise<Reloaded> {
    if (dryRun) return Promise.resolve({...diffPlans(this.current, plan), blocked: []})
    // The diff applied is computed in the queue: an earlier reload may have changed the plan meanwhile.
    return this.queue.run('stack', (signal) => this.applyPlan(plan, signal))
  }

  /** Make the running stack match `plan`: instance by instance where possible, else restart it whole. */
  private async applyPlan(plan: StackPlan, signal: AbortSignal): Promise<Reloaded> {
    const diff = diffPlans(this.current, plan)
    if (!this.isRunning || diff.structural.length > 0) {
      if (this.isRunning) this.deps.log(`restarting stack ${plan.name}: ${diff.structural.join('; ')}`)
      const held = [...this.held].filter((name) => allInstances(plan).some((i) => i.name === name))
      await this.stopTree()
      await this.logs.closeAll()
      this.current = plan
      this.statuses.clear()
      for (const instance of allInstances(plan)) this.statuses.set(instance.name, initialStatus(instance))
      this.groups = initialGroups(plan)
      this.startTree([], held)
      this.deps.onReset(this)
    } else if (diff.changes.length > 0) {
      return {...diff, blocked: await this.applyChanges(plan, diff, signal)}
    } else {
      this.current = plan
    }
    return {...diff, blocked: []}
  }

  /** Apply a new plan instance by instance, group after the re-run groups it depends on; returns the changes a failed dependency blocked. */
  private async applyChanges(next: StackPlan, diff: PlanDiff, signal: AbortSignal): Promise<BlockedChange[]> {
    const previous = this.current
    const nextInstances = new Map(allInstances(next).map((i) => [i.name, i]))
    const removed = diff.changes.filter((c) => c.change === 'removed').map((c) => c.instance)
    for (const name of removed) await this.control(name).removeMember(name)
    await this.logs.close(removed)
    for (const name of removed) {
      this.statuses.delete(name)
      this.held.delete(name)
    }
    this.current = next
    const options = this.buildOptions()
    const added = new Set(diff.changes.filter((c) => c.change === 'added').map((c) => c.instance))
    const step = (instance: InstancePlan): (() => Promise<void>) => {
      const member = buildMember(next, instance, options)
      const control = this.built!.groups.get(instance.group)!
      if (added.has(instance.name)) {
        this.statuses.set(instance.name, initialStatus(instance))
        // Its place in the group is the new plan's order (rest-for-one and ordered start go by it),
        // counted when it is added, after the steps before it have run.
        const order = next.groups.find((g) => g.name === instance.group)!.runners.flatMap((r) => r.instances.map((i) => i.name))
        const place = () => {
          const existing = new Set(control.memberNames())
          return order.slice(0, order.indexOf(instance.name)).filter((name) => existing.has(name)).length
        }
        return () => control.addMember(member, place(), signal)
      }
      this.statuses.set(instance.name, replanStatus(this.statuses.get(instance.name)!, instance))
      return () => control.replaceMember(member, signal)
    }
    const blocked = await applyInOrder(diff.steps, {
      // Changed instances of one runner restart one at a time (rolling); runners in parallel.
      apply: async (_group, names) => {
        const work = new Map<string, Array<() => Promise<void>>>()
        for (const name of names) {
          const instance = nextInstances.get(name)!
          work.set(instance.runner, [...(work.get(instance.runner) ?? []), step(instance)])
        }
        await Promise.all(
          [...work.values()].map(async (steps) => {
            for (const run of steps) await run()
          }),
        )
      },
      outcome: (group, condition) => dependencyOutcome(this.board.ofGroup(group), condition),
      nextChange: () => this.board.nextChange(signal),
    })
    // What was blocked runs on as it was: the plan keeps its old version (and leaves out what it would have added), so the next reload tries again.
    if (blocked.length > 0) this.current = withoutChanges(next, previous, new Set(blocked.map((b) => b.instance)))
    return blocked
  }

  /** start / stop / restart / signal of targets: per instance, through the queue. */
  startTargets(targets: string[]): Promise<TargetResult[]> {
    const named = new Set(this.resolve(targets))
    const needed = allInstances(selectTargets(this.current, targets)).map((i) => i.name)
    return this.queue.run(new Set(needed), async (signal) => {
      const results: TargetResult[] = []
      // The stopped instances of the groups the targets depend on come first, group by group, each ready before the next.
      for (const {start, told} of planStart(this.current.startOrder, needed, named, targets.length > 0, (name) => this.statuses.get(name)!)) {
        results.push(...told, ...(await this.startInstances(start, signal)))
      }
      return results
    })
  }

  stopTargets(targets: string[]): Promise<TargetResult[]> {
    const names = this.resolve(targets)
    return this.queue.run(new Set(names), () => this.stopInstances(names), {preempt: true, label: 'mar stop'})
  }

  /** Restart; a scaled runner restarts one instance at a time, each after the previous is ready again. */
  restartTargets(targets: string[]): Promise<TargetResult[]> {
    const names = this.resolve(targets)
    return this.queue.run(new Set(names), async (signal) => {
      // Restarted is wanted: a restart of a stopped instance starts it, and it stays started.
      for (const name of names) this.held.delete(name)
      const runners = byRunner(names, (name) => this.statuses.get(name)!.runner)
      const results = (await Promise.all(runners.map((instances) => this.each(instances, (name) => this.control(name).restartMember(name, signal), 'restarted', instances.length > 1)))).flat()
      return names.map((n) => results.find((r) => r.instance === n)!)
    })
  }

  signalTargets(targets: string[], signal: NodeJS.Signals): Promise<TargetResult[]> {
    const names = this.resolve(targets)
    return this.queue.run(new Set(names), async () => {
      const hostOf = (name: string) => this.statuses.get(name)?.host ?? 'local'
      const remote = (name: string) => isRemoteHost(this.current, hostOf(name))
      const here = deliverSignal(names.filter((n) => !remote(n)), (name) => this.statuses.get(name)?.pid, signal)
      const there = await Promise.all(names.filter(remote).map((name) => this.signalThere(name, signal)))
      return names.map((n) => [...here, ...there].find((r) => r.instance === n)!)
    })
  }

  /** What a remote instance's host says of it (null while the host is unreachable). */
  async describeThere(name: string): Promise<InstanceDescription | null> {
    const client = this.shares.get(this.statuses.get(name)?.host ?? 'local')?.link().current()
    return client ? client.call('describe', {stack: {name: this.name}, target: name}).catch(() => null) : null
  }

  /** A remote instance's signal goes to its host's daemon, which delivers it to the process group there. */
  private async signalThere(name: string, signal: NodeJS.Signals): Promise<TargetResult> {
    const client = this.shares.get(this.statuses.get(name)!.host)?.link().current()
    if (!client) return {instance: name, ok: false, message: `host ${this.statuses.get(name)!.host} is unreachable`, code: 'daemon-unreachable'}
    try {
      const [result] = (await client.call('signal', {stack: {name: this.name}, targets: [name], signal})).results
      return result ?? {instance: name, ok: false, message: 'no answer from its host'}
    } catch (error) {
      return {instance: name, ok: false, message: (error as Error).message, code: isMarError(error) ? error.code : 'internal'}
    }
  }

  /** The seat of a remote instance: its host's link and this stack's share there. */
  private seat(hostName: string): RemoteSeat {
    const links = this.deps.links!
    const host = this.current.hosts.find((h) => h.name === hostName)!
    const link = links.link(host, this.current)
    let share = this.shares.get(hostName)
    if (!share) {
      share = new StackShare({
        link,
        host,
        plan: () => this.current,
        filesOf: (name) => {
          const instance = allInstances(this.current).find((i) => i.name === name)
          return instance ? this.logs.filesForSpawn(instance) : undefined
        },
        cursor: links.cursor(this.name, hostName),
        log: this.deps.log,
      })
      this.shares.set(hostName, share)
      links.acquire(link)
    }
    return {
      link,
      share,
      stopWhenBack: (instance) => {
        if (this.keepUnreachable) return false
        links.onHost(link, (client) => client.call('stop', {stack: {name: this.name}, targets: [instance]}))
        return true
      },
      crashedThere: (instance) => this.restartWithGroup(instance),
    }
  }

  /**
   * A remote instance crashed and its host restarts it: what its group's
   * strategy restarts along with it (one-for-all: the others; rest-for-one:
   * those after it) is restarted here, wherever they run.
   */
  private restartWithGroup(trigger: string): void {
    const status = this.statuses.get(trigger)
    const group = this.current.groups.find((g) => g.name === status?.group)
    if (!group || group.restart.strategy === 'one-for-one') return
    const runners = group.runners.map((r) => r.name)
    const from = runners.indexOf(status!.runner)
    const scope = group.runners
      .filter((r, n) => group.restart.strategy === 'one-for-all' || n >= from)
      .flatMap((r) => r.instances)
      .filter((i) => i.name !== trigger && !this.held.has(i.name) && (i.restart.policy !== 'never' || isRemoteHost(this.current, i.host)))
      .map((i) => i.name)
    if (scope.length === 0) return
    this.deps.log(`${this.name}/${trigger} crashed on host ${status!.host}: restarting ${scope.join(', ')} with it (${group.restart.strategy})`)
    void this.restartTargets(scope).catch((error: Error) => this.deps.log(`restarting ${scope.join(', ')}: ${error.message}`))
  }

  /** The stack leaves its hosts (`keep`: its instances there run on, as `daemon stop --keep` leaves local ones). */
  private async leaveHosts(keep: boolean): Promise<void> {
    const links = this.deps.links
    const shares = [...this.shares.entries()]
    this.shares.clear()
    await Promise.all(
      shares.map(async ([host, share]) => {
        const outcome = await share.down(keep).catch((error: Error) => {
          this.deps.log(`host ${host}: down of ${this.name}: ${error.message}`)
          return 'unreachable' as const
        })
        if (outcome === 'unreachable' && !this.keepUnreachable) links?.onHost(share.link(), (client) => client.call('down', {stack: {name: this.name}, targets: []}))
        if (!keep) links?.forgetCursor(this.name, host)
        links?.release(share.link())
      }),
    )
  }

  /** Stop every instance, dependents first; cancels waits of operations under way. */
  down(keepUnreachable = false): Promise<void> {
    this.keepUnreachable = keepUnreachable
    return this.queue.run('stack', () => this.stopTree(), {preempt: true, label: 'mar down'})
  }

  /** The daemon is stopping: stop every instance, or with keep leave them running to be adopted. */
  shutdown(keep: boolean): Promise<void> {
    return this.queue.run('stack', async () => {
      if (!keep) await this.stopTree()
      else await this.leaveHosts(true)
    }, {preempt: true, label: 'the daemon stopping'})
  }

  /** Foreground mode's second Ctrl-C: kill everything now, whatever is under way. */
  kill(): Promise<void> {
    return this.proc?.stop('kill') ?? Promise.resolve()
  }

  /** Store what is left of every instance's output and close the log stores. */
  closeLogs(): Promise<void> {
    return this.logs.closeAll()
  }

  // ------------------------------------------------------------ the work

  private async stopTree(): Promise<void> {
    await this.proc?.stop()
    this.proc = null
    this.built = null
    await this.leaveHosts(false)
    // Processes of a previous daemon that no instance took over yet (their group
    // was still waiting for a dependency) would otherwise outlive the stack.
    this.runs.killUntaken()
  }

  private control(instance: string) {
    const group = this.statuses.get(instance)?.group
    const control = group ? this.built?.groups.get(group) : undefined
    if (!control) throw new MarError('stack-not-up', `the stack ${this.name} is not running`)
    return control
  }

  private async each(names: string[], op: (name: string) => Promise<void>, okMessage: string, sequential = false): Promise<TargetResult[]> {
    const run = async (instance: string): Promise<TargetResult> => {
      try {
        await op(instance)
        return {instance, ok: true, message: okMessage}
      } catch (error) {
        const why = this.statuses.get(instance)?.reason
        const message = (error as Error).message
        return {instance, ok: false, message: why && !message.includes(why) ? `${message}: ${why}` : message, code: isMarError(error) ? error.code : 'internal'}
      }
    }
    if (sequential) {
      const results: TargetResult[] = []
      for (const name of names) results.push(await run(name))
      return results
    }
    return Promise.all(names.map(run))
  }

  private startInstances(names: string[], signal?: AbortSignal): Promise<TargetResult[]> {
    for (const name of names) this.held.delete(name)
    return this.each(names, (name) => this.control(name).startMember(name, signal), 'started')
  }

  private async stopInstances(names: string[]): Promise<TargetResult[]> {
    for (const name of names) this.held.add(name)
    return this.each(
      [...names].reverse(),
      async (name) => {
        await this.control(name).stopMember(name)
        if (this.held.has(name)) this.onEvent({kind: 'instance', name, at: (this.deps.clock ?? realClock).now(), state: 'stopped', why: because('stopped-by-user', 'stopped by mar stop')})
      },
      'stopped',
    )
  }
}
