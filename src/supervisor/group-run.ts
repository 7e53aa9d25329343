// One run of a supervised group: the slots, their restart bookkeeping and
// the OTP strategy in action (see supervise.ts for the semantics).
import {sleep} from './clock.js'
import {failureSummary, GroupError, permanentFailure, type TraceEntry} from './errors.js'
import {because, type Reason} from './reasons.js'
import {MarError} from '../util/errors.js'
import {decideRestart, recordRestart} from './restart-decision.js'
import {aborted, start, type Process, type RunContext, type SupervisorEvent} from './runner.js'
import {Slot, type MemberSpec} from './slot.js'
import {GroupPhases} from './group-phases.js'
import type {SupervisorOptions} from './supervise.js'

export class GroupRun {
  private readonly slots: Slot[]
  private readonly phases: GroupPhases
  private readonly trace: TraceEntry[] = []
  private groupRestarts: number[] = []
  private failure: string | null = null
  private stopping = false
  /** one-for-all and rest-for-one restarts run one at a time. */
  private restartChain: Promise<void> = Promise.resolve()
  private wake: () => void = () => {}

  constructor(
    specs: MemberSpec[],
    private readonly options: SupervisorOptions,
    private readonly ctx: RunContext,
  ) {
    this.slots = specs.map((spec) => new Slot(spec))
    this.phases = new GroupPhases(options.name, ctx)
  }

  private now = () => this.ctx.clock.now()
  private emit(event: SupervisorEvent) {
    this.ctx.emit(event)
  }

  async run(): Promise<void> {
    this.phases.enter('starting')
    if (this.options.start === 'ordered') {
      for (const slot of this.slots) {
        if (this.stopping || this.failure) break
        if (slot.state === 'stopped') continue // not asked for (mar up TARGET)
        // A restart (rest-for-one, one-for-all) may already own this member.
        if (slot.state === 'idle') this.launch(slot)
        const ready = await Promise.race([slot.untilReadyOrEnded(), aborted(this.ctx.signal).then(() => null)])
        if (ready === false) {
          this.fail(`${slot.name} did not become ready`)
          break
        }
      }
    } else {
      for (const slot of this.slots) if (slot.state === 'idle') this.launch(slot)
    }
    this.updatePhases()
    this.ctx.signal.addEventListener('abort', () => this.wake(), {once: true})
    for (;;) {
      if (this.ctx.signal.aborted) break
      if (this.failure && !this.options.keepAlive) break
      if (!this.options.keepAlive && this.slots.every((s) => s.isParked())) break
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
    this.stopping = true
    this.phases.enter('stopping')
    await this.stopAll(this.failure ? because('group-failed', `group ${this.options.name} failed`) : undefined)
    this.phases.enter(this.failure ? 'failed' : 'stopped', this.failure ? because('group-failed', this.failure) : undefined)
    const ended = this.trace.length > 0 && !this.ctx.signal.aborted
    if (this.failure || ended) throw new GroupError(this.options.name, this.failure ?? 'members failed', this.trace)
  }

  private launch(slot: Slot): Process {
    // One run per member at a time: an ordered start and a sibling's restart
    // may both reach for the same member (callers wait for a stop to finish).
    if (slot.proc && !slot.proc.isExited) return slot.proc
    slot.begin(this.now())
    const proc = start(slot.spec.run, {
      name: slot.name,
      parent: this.ctx,
      emit: (event) => {
        if (event.kind === 'instance' && event.state === 'running') {
          slot.spawned = true
          this.updatePhases()
        }
        this.emit(event)
      },
      onReady: () => {
        slot.markReady()
        this.updatePhases()
      },
    })
    slot.proc = proc
    proc.exited.then(
      () => this.onExit(slot, proc, true, undefined),
      (error: unknown) => this.onExit(slot, proc, false, error),
    )
    return proc
  }

  private onExit(slot: Slot, proc: Process, succeeded: boolean, error: unknown): void {
    if (slot.proc !== proc) return
    const uptimeMs = this.now() - slot.startedAt
    slot.proc = null
    slot.runEnded()
    if (slot.state === 'stopping' || this.stopping) {
      // It could not start (missing, not executable, its port taken) and
      // found so as its group was stopping it, a sibling having failed first.
      // The stop has no process to report on, so without this it would stay
      // `starting` for good; it failed, and its own reason says why.
      const permanent = succeeded ? null : permanentFailure(error)
      if (permanent) {
        slot.couldNotStart = true
        this.emit({kind: 'instance', name: slot.name, at: this.now(), state: 'failed', pid: null, why: permanent})
      }
      return
    }
    const decision = decideRestart({
      restart: slot.spec.restart,
      oneshot: slot.spec.oneshot,
      succeeded,
      permanent: permanentFailure(error) !== null,
      consecutiveFailures: slot.failures,
      uptimeMs,
      now: this.now(),
      instanceRestarts: slot.restarts,
      groupRestarts: this.groupRestarts,
      groupLimit: this.options.limit,
      random: this.options.random,
    })
    switch (decision.action) {
      case 'done':
        slot.end('done')
        break
      case 'leave':
        slot.end('left')
        this.trace.push({name: slot.name, error})
        // Ended for good before the group was ready: the group never will be, and what depends on it must hear so.
        if (!this.phases.has('ready')) this.fail(`${slot.name} failed: ${failureSummary(error)}`)
        break
      case 'give-up':
        slot.end('failed')
        this.trace.push({name: slot.name, error})
        this.emit({kind: 'instance', name: slot.name, at: this.now(), state: 'failed', why: because('restart-limit', `${decision.reason}; last ${failureSummary(error)}`)})
        if (decision.scope === 'group' || this.options.strategy !== 'one-for-one' || !this.phases.has('ready')) this.fail(`${slot.name}: ${decision.reason}`)
        break
      case 'fail':
        slot.end('failed')
        this.trace.push({name: slot.name, error})
        this.emit({kind: 'instance', name: slot.name, at: this.now(), state: 'failed', why: permanentFailure(error)!})
        if (this.options.strategy !== 'one-for-one' || !this.phases.has('ready')) this.fail(`${slot.name}: ${failureSummary(error)}`)
        break
      case 'restart':
        slot.failures = decision.attempt
        this.scheduleRestart(slot, decision.delayMs, failureSummary(error))
        return
    }
    this.updatePhases()
    this.wake()
  }

  /** The members that restart along with `trigger`, in start order. */
  private scopeOf(trigger: Slot): Slot[] {
    if (this.options.strategy === 'one-for-one') return [trigger]
    const runners = [...new Set(this.slots.map((s) => s.spec.runner))]
    const from = runners.indexOf(trigger.spec.runner)
    return this.slots.filter((s) => {
      if (s === trigger) return true
      if ((s.spec.restart.policy === 'never' && !s.spec.restartsElsewhere) || s.isParked()) return false
      return this.options.strategy === 'one-for-all' || runners.indexOf(s.spec.runner) >= from
    })
  }

  private scheduleRestart(trigger: Slot, delayMs: number, why: string): void {
    const now = this.now()
    trigger.restarts = recordRestart(trigger.restarts, now, trigger.spec.restart.limit)
    this.groupRestarts = recordRestart(this.groupRestarts, now, this.options.limit)
    const scope = this.scopeOf(trigger)
    for (const slot of scope) slot.state = 'backoff'
    const due = now + delayMs
    this.emit({kind: 'instance', name: trigger.name, at: now, state: 'backoff', why: because('backoff', why), nextRestartAt: due})
    const restartScope = async () => {
      const siblings = scope.filter((s) => s !== trigger && s.proc)
      for (const slot of [...siblings].reverse()) {
        await slot.stop()
        this.emit({kind: 'instance', name: slot.name, at: this.now(), state: 'backoff', why: because('group-restart', `restarting with ${trigger.name} (${this.options.strategy})`), nextRestartAt: due})
      }
      if (!(await sleep(this.ctx.clock, delayMs, trigger.cancel.signal)) || this.stopping) return
      for (const slot of scope) {
        if (slot.state !== 'backoff' || this.stopping) continue
        this.emit({kind: 'instance', name: slot.name, at: this.now(), restarted: true})
        this.launch(slot)
        if (this.options.start === 'ordered') await slot.untilReadyOrEnded()
      }
    }
    if (scope.length === 1) void restartScope()
    else this.restartChain = this.restartChain.then(restartScope)
  }

  private fail(reason: string): void {
    if (this.failure) return
    this.failure = reason
    if (this.options.keepAlive) {
      // The group stays addressable so users can start it again; the graph
      // learns of the failure from the phase and stops what depends on it.
      void this.stopAll(because('group-failed', `group ${this.options.name} failed`)).then(() => this.phases.enter('failed', because('group-failed', reason)))
    }
    this.wake()
  }

  private updatePhases(): void {
    this.phases.update(this.slots)
  }

  private async stopAll(why?: Reason): Promise<void> {
    const order = [...this.slots].reverse()
    const stopOne = async (slot: Slot) => {
      const wasRunning = slot.proc !== null || slot.state === 'backoff'
      await slot.stop()
      if (why && wasRunning && !slot.couldNotStart) this.emit({kind: 'instance', name: slot.name, at: this.now(), why})
    }
    if (this.options.start === 'ordered') for (const slot of order) await stopOne(slot)
    else await Promise.all(order.map(stopOne))
  }

  private find(name: string): Slot {
    const slot = this.slots.find((s) => s.name === name)
    if (!slot) throw new Error(`no member ${name} in group ${this.options.name}`)
    return slot
  }

  async startMember(name: string, signal?: AbortSignal): Promise<void> {
    const slot = this.find(name)
    slot.wanted = true
    await slot.settled()
    if (slot.proc) return void (await untilAborted(slot.untilReadyOrEnded(), signal))
    this.failure = null
    slot.failures = 0
    this.launch(slot)
    if (!(await untilAborted(slot.untilReadyOrRunEnded(), signal))) throw new MarError('exited-before-ready', `${name} did not become ready`)
  }

  async stopMember(name: string): Promise<void> {
    const slot = this.find(name)
    slot.wanted = false
    await slot.stop()
    // A start may have come in while this stop ran; it wins.
    if (slot.wanted) return
    slot.end('stopped')
    this.updatePhases()
  }

  async restartMember(name: string, signal?: AbortSignal): Promise<void> {
    const slot = this.find(name)
    await slot.stop()
    this.emit({kind: 'instance', name, at: this.now(), restarted: true})
    await this.startMember(name, signal)
  }

  async addMember(spec: MemberSpec, index: number, signal?: AbortSignal): Promise<void> {
    const slot = new Slot(spec)
    this.slots.splice(index, 0, slot)
    if (slot.state === 'stopped') return
    this.launch(slot)
    await untilAborted(slot.untilReadyOrEnded(), signal)
  }

  async replaceMember(spec: MemberSpec, signal?: AbortSignal): Promise<void> {
    const slot = this.find(spec.name)
    await slot.stop()
    slot.spec = spec
    slot.failures = 0
    slot.restarts = []
    if (!slot.wanted) return
    this.emit({kind: 'instance', name: spec.name, at: this.now(), restarted: true, why: because('config-changed', 'config changed')})
    this.launch(slot)
    await untilAborted(slot.untilReadyOrEnded(), signal)
  }

  async removeMember(name: string): Promise<void> {
    const slot = this.find(name)
    await slot.stop()
    this.slots.splice(this.slots.indexOf(slot), 1)
    this.updatePhases()
    this.wake()
  }
}

/** Wait for `promise` unless `signal` aborts first (then reject with its reason: a later stop cancelled the wait). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, {once: true})
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
