// One stack inside the daemon: its plan, its running tree of runners, the
// status of each instance and its captured logs. The actor owns these; this
// class knows how to start, stop, change and inspect one stack.
import type {InstancePlan, LogSpec, StackPlan} from '../config/types.js'
import {buildMember, buildStack, type BuildOptions, type BuiltStack} from '../config/to-runners.js'
import type {CgroupManager} from '../supervisor/cgroup.js'
import {applyEvent, initialStatus, type InstanceStatus} from '../supervisor/instance-status.js'
import {isRunning} from '../supervisor/proc.js'
import {openCgroup} from '../supervisor/cgroup.js'
import type {AdoptRecord} from '../supervisor/child.js'
import {start, type Process, type SupervisorEvent} from '../supervisor/runner.js'
import type {TargetResult} from '../api/protocol.js'
import {resolveTargets, selectTargets} from '../api/targets.js'
import {journalKey, type Journal, type SpawnRecord} from './journal.js'
import type {MarPaths} from './paths.js'
import {StackLogs, type InstanceLogStore} from './stack-logs.js'

export type {InstanceLogStore} from './stack-logs.js'

/** Kill a recorded process and everything in its group and cgroup, if it still runs. */
export function killRecorded(record: AdoptRecord): void {
  if (!isRunning(record.pid, record.startTime)) return
  try {
    process.kill(-record.pid, 'SIGKILL')
  } catch {
    // gone already
  }
  if (record.cgroupPath) openCgroup(record.cgroupPath).kill()
}

export interface RuntimeDeps {
  paths: MarPaths
  journal: Journal
  cgroups: CgroupManager
  /** Processes a previous daemon left running, by journalKey; taken once each. */
  adoption: Map<string, SpawnRecord>
  createLogs(dir: string, spec: LogSpec): InstanceLogStore
  onChange(stack: string, status: InstanceStatus): void
  /** New output of an instance was stored (followers of `mar logs -f` read it). */
  onStored(stack: string, instance: string, stream: 'stdout' | 'stderr', end: number, start: number): void
  log(message: string): void
}

export class StackRuntime {
  readonly statuses = new Map<string, InstanceStatus>()
  readonly logs: StackLogs
  /** Cgroup of each running instance, for usage sampling. */
  readonly cgroupOf = new Map<string, string | undefined>()
  /** The current run of each instance, for the journal's ready records. */
  private readonly runIdOf = new Map<string, string>()
  private built: BuiltStack | null = null
  private proc: Process | null = null

  constructor(
    public plan: StackPlan,
    private readonly deps: RuntimeDeps,
  ) {
    for (const instance of this.instances()) this.statuses.set(instance.name, initialStatus(instance))
    this.logs = new StackLogs(plan.name, {
      paths: deps.paths,
      createLogs: deps.createLogs,
      onStored: (instance, stream, end, start) => deps.onStored(this.name, instance, stream, end, start),
      log: deps.log,
    })
  }

  get name(): string {
    return this.plan.name
  }

  instances(plan: StackPlan = this.plan): InstancePlan[] {
    return plan.groups.flatMap((g) => g.runners.flatMap((r) => r.instances))
  }

  private onEvent = (event: SupervisorEvent): void => {
    if (event.kind !== 'instance') return
    const status = this.statuses.get(event.name)
    if (!status) return
    const next = applyEvent(status, event)
    this.statuses.set(event.name, next)
    if (event.state === 'ready') {
      const runId = this.runIdOf.get(event.name)
      if (runId) this.journaled(() => this.deps.journal.readied(this.name, event.name, runId))
    }
    this.deps.onChange(this.name, next)
  }

  /** Journal writes can fail (a full disk): the services run on; only a later takeover may miss them. */
  private journaled(write: () => void): void {
    try {
      write()
    } catch (error) {
      this.deps.log(`journal: ${(error as Error).message}; a later daemon may not take this instance over`)
    }
  }

  private buildOptions(): BuildOptions {
    const {paths, journal, cgroups, adoption} = this.deps
    return {
      output: (instance) => ({kind: 'files', open: () => this.logs.filesForSpawn(instance)}),
      lines: (instance) => this.logs.store(instance).bus,
      runtimeDir: paths.run,
      emit: this.onEvent,
      cgroups,
      keepAlive: true,
      autostart: (instance) => !this.stopped.has(instance.name),
      takeAdoption: (instance) => {
        const key = journalKey(this.name, instance.name)
        const record = adoption.get(key)
        adoption.delete(key)
        if (!record) return undefined
        const status = this.statuses.get(instance.name)
        if (status && record.restarts) this.statuses.set(instance.name, {...status, restarts: record.restarts})
        if (record.ended) return record
        return isRunning(record.pid, record.startTime) ? record : undefined
      },
      assumeReady: (instance) => {
        const record = adoption.get(journalKey(this.name, instance.name))
        return Boolean(record?.ready && !record.ended && isRunning(record.pid, record.startTime))
      },
      onSpawn: (instance, record) => {
        this.cgroupOf.set(instance.name, record.cgroupPath)
        this.runIdOf.set(instance.name, record.runId)
        this.journaled(() => journal.spawned({...record, stack: this.name, instance: instance.name, restarts: this.statuses.get(instance.name)?.restarts ?? 0}))
      },
      onExit: (instance, record, exit, stopped) => {
        this.cgroupOf.delete(instance.name)
        this.journaled(() => journal.exited(this.name, instance.name, record.runId, exit, stopped))
        // Store its last words now, not at the tailer's next round: `mar up` reports them.
        void this.logs.get(instance.name)?.pump().catch(() => {})
      },
    }
  }

  /** Instances the user stopped or did not ask for: kept across daemon restarts. */
  readonly stopped = new Set<string>()

  /** Start the stack; with targets, only those instances and what they depend on. Instances in `stopped` stay stopped. */
  async start(targets: string[], stopped: Iterable<string> = []): Promise<string[]> {
    const wanted = targets.length === 0 ? this.instances() : this.instances(selectTargets(this.plan, targets))
    const held = new Set(stopped)
    const chosen = new Set(wanted.map((i) => i.name).filter((name) => !held.has(name)))
    for (const instance of this.instances()) {
      if (chosen.has(instance.name)) continue
      this.stopped.add(instance.name)
      const status = this.statuses.get(instance.name)!
      this.statuses.set(instance.name, {...status, state: 'stopped', reason: held.has(instance.name) ? 'stopped by mar stop' : 'not started (not among the targets of mar up)'})
    }
    this.built = buildStack(this.plan, this.buildOptions())
    this.proc = start(this.built.runner, {name: this.name, emit: this.onEvent})
    // Output written while no daemon ran is caught up on after the spawns.
    const proc = this.proc
    setImmediate(() => {
      if (this.proc === proc) this.logs.catchUp(this.instances()) // unless stopped already: its stores were closed
    })
    return [...chosen]
  }

  get isRunning(): boolean {
    return this.proc !== null && !this.proc.isExited
  }

  /** Stop every instance (dependents first). The logs stay open until closeAllLogs. */
  async stop(): Promise<void> {
    await this.proc?.stop()
    this.proc = null
    this.built = null
    // Processes of a previous daemon that no instance took over yet (their group
    // was still waiting for a dependency) would otherwise outlive the stack.
    for (const instance of this.instances()) {
      const key = journalKey(this.name, instance.name)
      const record = this.deps.adoption.get(key)
      if (!record) continue
      this.deps.adoption.delete(key)
      if (!record.ended) killRecorded(record)
    }
  }

  /** Store what is left of every instance's output and close the log stores. */
  closeAllLogs(): Promise<void> {
    return this.logs.closeAll()
  }

  /** Every instance the targets name (all for none); throws a usage error for unknown ones. */
  resolve(targets: string[]): string[] {
    return resolveTargets(this.plan, targets)
  }

  private control(instance: string) {
    const group = this.statuses.get(instance)?.group
    const control = group ? this.built?.groups.get(group) : undefined
    if (!control) throw new Error(`the stack ${this.name} is not running`)
    return control
  }

  private async each(names: string[], op: (name: string) => Promise<void>, okMessage: string, sequential = false): Promise<TargetResult[]> {
    const run = async (instance: string): Promise<TargetResult> => {
      try {
        await op(instance)
        return {instance, ok: true, message: okMessage}
      } catch (error) {
        return {instance, ok: false, message: (error as Error).message}
      }
    }
    if (sequential) {
      const results: TargetResult[] = []
      for (const name of names) results.push(await run(name))
      return results
    }
    return Promise.all(names.map(run))
  }

  startInstances(names: string[]): Promise<TargetResult[]> {
    for (const name of names) this.stopped.delete(name)
    return this.each(names, (name) => this.control(name).startMember(name), 'started')
  }

  stopInstances(names: string[]): Promise<TargetResult[]> {
    for (const name of names) this.stopped.add(name)
    return this.each([...names].reverse(), (name) => this.control(name).stopMember(name), 'stopped')
  }

  /** Restart; a scaled runner restarts one instance at a time, each after the previous is ready again. */
  async restartInstances(names: string[]): Promise<TargetResult[]> {
    const byRunner = new Map<string, string[]>()
    for (const name of names) {
      const runner = this.statuses.get(name)!.runner
      byRunner.set(runner, [...(byRunner.get(runner) ?? []), name])
    }
    const perRunner = await Promise.all(
      [...byRunner.values()].map((instances) => this.each(instances, (name) => this.control(name).restartMember(name), 'restarted', instances.length > 1)),
    )
    const results = perRunner.flat()
    return names.map((n) => results.find((r) => r.instance === n)!)
  }

  /**
   * Deliver a signal to each running instance's process group. One that is
   * not running is skipped (a completed oneshot in a stack-wide signal is not
   * a failure); only when nothing received it is the whole delivery failed.
   */
  signalInstances(names: string[], signal: NodeJS.Signals | number): TargetResult[] {
    const results = names.map((instance): TargetResult & {delivered: boolean} => {
      const pid = this.statuses.get(instance)?.pid
      if (!pid) return {instance, ok: true, delivered: false, message: 'not running: skipped'}
      try {
        process.kill(-pid, signal)
        return {instance, ok: true, delivered: true, message: `sent ${signal} to process group ${pid}`}
      } catch (error) {
        const gone = (error as NodeJS.ErrnoException).code === 'ESRCH'
        return {instance, ok: gone, delivered: false, message: gone ? 'not running: skipped' : (error as Error).message}
      }
    })
    const none = !results.some((r) => r.delivered)
    return results.map(({delivered: _d, ...r}) => (none ? {...r, ok: false} : r))
  }

  /**
   * `mar start`: the named instances and, first, the stopped instances of the
   * groups they depend on, group by group in start order, each group ready
   * before the next. A completed oneshot runs again only when named itself.
   */
  async startTargets(targets: string[]): Promise<TargetResult[]> {
    const named = new Set(this.resolve(targets))
    const needed = this.instances(selectTargets(this.plan, targets)).map((i) => i.name)
    const results: TargetResult[] = []
    for (const group of this.plan.startOrder) {
      const todo: string[] = []
      for (const name of needed) {
        const status = this.statuses.get(name)!
        if (status.group !== group) continue
        const report = named.has(name)
        if (status.pid !== null || status.state === 'backoff') {
          if (report) results.push({instance: name, ok: true, message: 'already running'})
        } else if (status.oneshot && status.state === 'exited' && (targets.length === 0 || !report)) {
          if (report) results.push({instance: name, ok: true, message: 'already completed'})
        } else todo.push(name)
      }
      results.push(...(await this.startInstances(todo)))
    }
    return results
  }

  /** Apply a new plan instance by instance (the caller handles structural changes). */
  async applyChanges(next: StackPlan, changes: {instance: string; change: 'added' | 'removed' | 'changed'}[]): Promise<void> {
    const nextInstances = new Map(this.instances(next).map((i) => [i.name, i]))
    const removed = changes.filter((c) => c.change === 'removed').map((c) => c.instance)
    for (const name of removed) await this.control(name).removeMember(name)
    await this.logs.close(removed)
    for (const name of removed) this.statuses.delete(name)
    this.plan = next
    const options = this.buildOptions()
    // Changed instances of one runner restart one at a time (rolling); runners in parallel.
    const work = new Map<string, Array<() => Promise<void>>>()
    for (const change of changes) {
      if (change.change === 'removed') continue
      const instance = nextInstances.get(change.instance)!
      const member = buildMember(next, instance, options)
      const control = this.built!.groups.get(instance.group)!
      if (change.change === 'added') {
        this.statuses.set(instance.name, initialStatus(instance))
        // Its place in the group is the new plan's order (rest-for-one and ordered start go by it),
        // counted when it is added, after the steps before it have run.
        const order = next.groups.find((g) => g.name === instance.group)!.runners.flatMap((r) => r.instances.map((i) => i.name))
        const place = () => {
          const existing = new Set(control.memberNames())
          return order.slice(0, order.indexOf(instance.name)).filter((name) => existing.has(name)).length
        }
        work.set(instance.runner, [...(work.get(instance.runner) ?? []), () => control.addMember(member, place())])
      } else {
        const status = this.statuses.get(instance.name)!
        this.statuses.set(instance.name, {...initialStatus(instance), ...status, host: instance.host, hasReadyProbe: instance.ready !== undefined, oneshot: instance.oneshot})
        work.set(instance.runner, [...(work.get(instance.runner) ?? []), () => control.replaceMember(member)])
      }
    }
    await Promise.all([...work.values()].map(async (steps) => {
      for (const step of steps) await step()
    }))
  }
}
