// The daemon's actor: it owns every stack and answers requests. Node runs it
// on one thread, so each handler's synchronous part is the serial loop that
// changes state; long operations (stopping a stack, a rolling restart) are
// awaited without blocking other requests, and operations that reshape one
// stack (up, down, reload) are queued per stack so they never interleave.
import {MarError} from '../util/errors.js'
import {marVersion} from '../util/version.js'
import type {StackPlan} from '../config/types.js'
import type {CgroupManager} from '../supervisor/cgroup.js'
import type {InstanceStatus} from '../supervisor/instance-status.js'
import type {DaemonInfo, PlanChange, StackJson, StackRef, StatusChange, StatusJson, TargetResult, UpResult} from '../api/protocol.js'
import {resolveTargets, selectTargets} from '../api/targets.js'
import {journalKey, type Journal, type SpawnRecord} from './journal.js'
import type {MarPaths} from './paths.js'
import {diffPlans, type PlanDiff} from './plan-diff.js'
import {killRecorded, StackRuntime, type InstanceLogStore} from './stack-runtime.js'
import type {StackStore} from './stack-store.js'
import {toInstanceJson} from './status-json.js'
import {UsageSampler} from './usage.js'
import {isRunning} from '../supervisor/proc.js'
import type {LogSpec} from '../config/types.js'

/** New output of an instance was stored at [start, end) of its stream. */
export type StoredListener = (stack: string, instance: string, stream: 'stdout' | 'stderr', end: number, start: number) => void

export interface DaemonDeps {
  paths: MarPaths
  journal: Journal
  stackStore: StackStore
  cgroups: CgroupManager
  createLogs(dir: string, spec: LogSpec): InstanceLogStore
  log(message: string): void
}

export class Daemon {
  readonly stacks = new Map<string, StackRuntime>()
  private readonly watchers = new Set<(change: StatusChange) => void>()
  private readonly storedListeners = new Set<StoredListener>()
  private readonly queues = new Map<string, Promise<unknown>>()
  private readonly adoption = new Map<string, SpawnRecord>()
  /** Set by shutdown: no new operation on any stack starts after it. */
  private closing = false
  readonly usage: UsageSampler
  readonly startedAt = new Date()

  constructor(readonly deps: DaemonDeps) {
    this.usage = new UsageSampler(() =>
      [...this.stacks.values()].flatMap((rt) =>
        [...rt.statuses.values()]
          .filter((s) => s.pid !== null)
          .map((s) => ({key: journalKey(rt.name, s.name), pid: s.pid!, cgroupPath: rt.cgroupOf.get(s.name)})),
      ),
    )
  }

  /** Bring back the stacks that were up, adopting the processes a previous daemon left running. */
  async resurrect(): Promise<void> {
    for (const [key, record] of this.deps.journal.load()) this.adoption.set(key, record)
    // Only what is still worth knowing survives compaction: live runs and how ended ones ended.
    this.deps.journal.compact(this.adoption.values())
    this.sweepLeftovers(new Set([...this.adoption.values()].flatMap((r) => (r.cgroupPath && !r.ended ? [r.cgroupPath] : []))))
    const {stacks, problems} = this.deps.stackStore.loadAll()
    for (const problem of problems) this.deps.log(`cannot restore stack ${problem}`)
    await Promise.all(
      stacks.map(({plan, stopped}) => this.up(plan, [], stopped).catch((error: Error) => this.deps.log(`cannot restore stack ${plan.name}: ${error.message}`))),
    )
    // Records of stacks that did not come back belong to no stack that is up:
    // their processes would be orphans, so they go. Records of stacks that did
    // come back stay until their instances take them over — a group waiting
    // for a dependency does so only once that dependency is ready.
    for (const [key, record] of this.adoption) {
      if (this.stacks.has(record.stack)) continue
      this.adoption.delete(key)
      if (record.ended || !isRunning(record.pid, record.startTime)) continue
      this.deps.log(`killing process ${record.pid} (${key.replace('\u0000', '/')}): its stack is not up`)
      killRecorded(record)
    }
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

  /** Told of every chunk of output stored, in any stack, now or later (logs -f). */
  onStored(listener: StoredListener): () => void {
    this.storedListeners.add(listener)
    return () => this.storedListeners.delete(listener)
  }

  subscribe(watcher: (change: StatusChange) => void): () => void {
    this.watchers.add(watcher)
    return () => this.watchers.delete(watcher)
  }

  private broadcast(change: StatusChange): void {
    for (const watcher of this.watchers) watcher(change)
  }

  private onChange = (stack: string, status: InstanceStatus): void => {
    if (this.watchers.size === 0) return
    this.broadcast({kind: 'instance', stack, instance: toInstanceJson(status, this.usage.get(journalKey(stack, status.name)))})
  }

  /** Run `op` after every earlier reshaping operation on the same stack. */
  private queued<T>(stack: string, op: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new MarError('daemon-stopping', 'the daemon is stopping', {hint: 'start it again with `mar daemon start`'}))
    const previous = this.queues.get(stack) ?? Promise.resolve()
    const next = previous.then(op, op)
    this.queues.set(stack, next.catch(() => {}))
    return next
  }

  stackJson(runtime: StackRuntime): StackJson {
    return {
      name: runtime.name,
      config: runtime.plan.configPath,
      instances: [...runtime.statuses.values()].map((s) => toInstanceJson(s, this.usage.get(journalKey(runtime.name, s.name)))),
    }
  }

  status(): StatusJson {
    return {stacks: [...this.stacks.values()].map((rt) => this.stackJson(rt))}
  }

  info(): DaemonInfo {
    return {
      pid: process.pid,
      version: marVersion(),
      home: this.deps.paths.home,
      startedAt: this.startedAt.toISOString(),
      stacks: this.stacks.size,
      instances: [...this.stacks.values()].reduce((n, rt) => n + rt.statuses.size, 0),
      containment: `${this.deps.cgroups.mode === 'cgroup' ? 'a cgroup per instance' : 'process groups'} (${this.deps.cgroups.reason}); resources ${this.deps.cgroups.enforcesResources ? 'enforced' : 'not enforced'}`,
    }
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

  private makeRuntime(plan: StackPlan): StackRuntime {
    return new StackRuntime(plan, {
      paths: this.deps.paths,
      journal: this.deps.journal,
      cgroups: this.deps.cgroups,
      adoption: this.adoption,
      createLogs: this.deps.createLogs,
      onChange: this.onChange,
      onStored: (stack, instance, stream, end, start) => {
        for (const listener of this.storedListeners) listener(stack, instance, stream, end, start)
      },
      log: this.deps.log,
    })
  }

  /** Record a stack's plan and what is stopped in it, for the next daemon. */
  persist(runtime: StackRuntime): void {
    if (this.stacks.get(runtime.name) === runtime) this.deps.stackStore.save(runtime.plan, runtime.stopped)
  }

  /** start / stop / restart of targets in a stack that is up. */
  async control(type: 'start' | 'stop' | 'restart', ref: StackRef, targets: string[]): Promise<{stack: string; results: TargetResult[]}> {
    const runtime = this.find(ref)
    const results =
      type === 'start'
        ? await runtime.startTargets(targets)
        : type === 'stop'
          ? await runtime.stopInstances(runtime.resolve(targets))
          : await runtime.restartInstances(runtime.resolve(targets))
    this.persist(runtime)
    return {stack: runtime.name, results}
  }

  /** Add a stack (or update one that is up, as reload would) and start its targets; `stopped` stay stopped (a stack coming back). */
  up(plan: StackPlan, targets: string[], stopped: string[] = []): Promise<UpResult> {
    resolveTargets(plan, targets) // a bad target changes nothing
    return this.queued(plan.name, async () => {
      const existing = this.stacks.get(plan.name)
      if (existing && existing.plan.configPath !== plan.configPath) {
        throw new MarError('stack-name-taken', `a stack named "${plan.name}" from ${existing.plan.configPath} is already up`, {
          hint: 'give this one another `name:` in its mar.yaml, or take the other down first',
        })
      }
      let changes: PlanChange[] = []
      if (!existing || !existing.isRunning) {
        if (existing) this.stacks.delete(plan.name)
        const runtime = this.makeRuntime(plan)
        this.stacks.set(plan.name, runtime)
        const instances = await runtime.start(targets, stopped)
        this.persist(runtime)
        this.broadcast({kind: 'stack-added', stack: this.stackJson(runtime)})
        return {stack: plan.name, instances, changes}
      }
      changes = (await this.applyPlan(existing, plan)).changes
      const runtime = this.stacks.get(plan.name)!
      const wanted = runtime.instances(selectTargets(plan, targets)).map((i) => i.name)
      const idle = wanted.filter((name) => {
        const status = runtime.statuses.get(name)!
        return status.state === 'stopped' || status.state === 'failed' || status.state === 'crashed' || status.state === 'pending'
      })
      void runtime.startInstances(idle).then((results) => this.logFailures('start', runtime.name, results))
      this.persist(runtime)
      return {stack: plan.name, instances: wanted, changes}
    })
  }

  private logFailures(what: string, stack: string, results: TargetResult[]): void {
    for (const r of results) if (!r.ok) this.deps.log(`${what} ${stack}/${r.instance}: ${r.message}`)
  }

  /** Make a running stack match `plan`: per instance where possible, else restart it whole. */
  private async applyPlan(runtime: StackRuntime, plan: StackPlan): Promise<PlanDiff> {
    const diff = diffPlans(runtime.plan, plan)
    if (diff.structural.length > 0) {
      this.deps.log(`restarting stack ${plan.name}: ${diff.structural.join('; ')}`)
      await runtime.stop()
      await runtime.closeAllLogs()
      const fresh = this.makeRuntime(plan)
      this.stacks.set(plan.name, fresh)
      await fresh.start([], [...runtime.stopped].filter((name) => fresh.statuses.has(name)))
      this.broadcast({kind: 'stack-added', stack: this.stackJson(fresh)})
    } else if (diff.changes.length > 0) {
      await runtime.applyChanges(plan, diff.changes)
    } else {
      runtime.plan = plan
    }
    this.persist(this.stacks.get(plan.name)!)
    return diff
  }

  reload(plan: StackPlan, dryRun: boolean): Promise<{changes: PlanChange[]; structural: string[]; applied: boolean}> {
    const runtime = this.find({name: plan.name})
    const diff = diffPlans(runtime.plan, plan)
    if (dryRun) return Promise.resolve({...diff, applied: false})
    // The diff applied is computed in the queue: an earlier reload may have changed the plan meanwhile.
    return this.queued(plan.name, async () => ({...(await this.applyPlan(this.find({name: plan.name}), plan)), applied: true}))
  }

  /** Stop targets; with none (or all of them), stop the whole stack and forget it. */
  down(ref: StackRef, targets: string[]): Promise<{stack: string; removed: boolean; results: TargetResult[]}> {
    const runtime = this.find(ref)
    const names = runtime.resolve(targets)
    if (targets.length > 0 && names.length < runtime.statuses.size) {
      return runtime.stopInstances(names).then((results) => {
        this.persist(runtime)
        return {stack: runtime.name, removed: false, results}
      })
    }
    return this.queued(runtime.name, async () => {
      await runtime.stop()
      this.stacks.delete(runtime.name)
      this.deps.stackStore.remove(runtime.name)
      this.broadcast({kind: 'stack-removed', stack: runtime.name})
      // The caller hears back now; the last output is stored right after, and
      // a later `up` of the same stack waits for that in this queue.
      void this.queued(runtime.name, () => runtime.closeAllLogs().catch((e: Error) => this.deps.log(`closing logs of ${runtime.name}: ${e.message}`)))
      return {stack: runtime.name, removed: true, results: names.map((instance) => ({instance, ok: true, message: 'stopped'}))}
    })
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
    // Let an up or reload that is under way finish first, so what it started is stopped too.
    await Promise.all(this.queues.values())
    if (!keep) await Promise.all([...this.stacks.values()].map((rt) => rt.stop().catch((e: Error) => this.deps.log(`stopping ${rt.name}: ${e.message}`))))
    await Promise.all([...this.stacks.values()].map((rt) => rt.closeAllLogs().catch(() => {})))
    await Promise.all(this.queues.values())
    this.deps.journal.close()
  }
}
