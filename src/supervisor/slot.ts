// One member of a supervised group: its spec, the current Process, and the
// history the restart decision needs.
import {STOPPING} from './clock.js'
import type {RestartSpec} from './spec.js'
import type {Process, Runner} from './runner.js'

export interface MemberSpec {
  /** Instance name, e.g. web.2. */
  name: string
  /** Runner name, e.g. web: the unit of rest-for-one's order. */
  runner: string
  run: Runner
  restart: RestartSpec
  oneshot: boolean
  /** false: the member begins stopped and waits for startMember (mar up TARGET). */
  autostart?: boolean
  /**
   * Its restarts happen elsewhere (an instance on another host restarts
   * there): its restart policy here is `never`, but it is restarted with its
   * group (one-for-all, rest-for-one) like any other member.
   */
  restartsElsewhere?: boolean
}

export type SlotState =
  | 'idle'
  | 'up'
  | 'backoff'
  | 'stopping'
  /** Stopped on request; stays so until started again. */
  | 'stopped'
  /** Completed as it should. */
  | 'done'
  /** Ended badly under policy `never`. */
  | 'left'
  /** Restart limit spent. */
  | 'failed'

export class Slot {
  state: SlotState = 'idle'
  proc: Process | null = null
  /** Crashes in a row: the backoff attempt. */
  failures = 0
  restarts: number[] = []
  startedAt = 0
  spawned = false
  ready = false
  /** This run failed to start while its group was stopping it (group-run.ts): its own reason stands. */
  couldNotStart = false
  /** Aborts a pending backoff wait. */
  cancel = new AbortController()
  /** Whether the user wants it running: false after stopMember (or autostart: false) until startMember. */
  wanted: boolean
  /** A stop in progress: a start waits for it, so two runs never overlap. */
  private stopping: Promise<void> | null = null
  private waiters: Array<(ready: boolean) => void> = []
  /** Waiting for this run only: ready, or its end (a crash that will be restarted counts). */
  private runWaiters: Array<(ready: boolean) => void> = []

  constructor(public spec: MemberSpec) {
    this.wanted = spec.autostart !== false
    if (!this.wanted) this.state = 'stopped'
  }

  get name(): string {
    return this.spec.name
  }

  /** Reset for a new run; call before starting it (a runner may be ready synchronously). */
  begin(now: number): void {
    this.state = 'up'
    this.ready = false
    this.spawned = false
    this.couldNotStart = false
    this.startedAt = now
    this.cancel = new AbortController()
  }

  markReady(): void {
    this.ready = true
    this.settle(true)
  }

  /** The current run ended (whatever comes next: a restart, or nothing). */
  runEnded(): void {
    const waiters = this.runWaiters
    this.runWaiters = []
    for (const resolve of waiters) resolve(this.ready)
  }

  end(state: 'done' | 'left' | 'failed' | 'stopped'): void {
    this.state = state
    if (state !== 'done') this.ready = false
    this.settle(state === 'done' && this.ready)
  }

  /** Ended, and not to be restarted by a sibling's restart. */
  isParked(): boolean {
    return this.state === 'done' || this.state === 'left' || this.state === 'failed' || this.state === 'stopped'
  }

  /** True once ready (across restarts), false if it ends for good first. */
  untilReadyOrEnded(): Promise<boolean> {
    if (this.ready) return Promise.resolve(true)
    if (this.isParked()) return Promise.resolve(false)
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** True once ready, false when the current run ends first: a start that reports a crash rather than wait out a crash loop. */
  untilReadyOrRunEnded(): Promise<boolean> {
    if (this.ready) return Promise.resolve(true)
    if (this.isParked() || !this.proc) return Promise.resolve(false)
    return new Promise((resolve) => {
      this.runWaiters.push(resolve)
      this.waiters.push(resolve)
    })
  }

  /** Resolves once no stop of this slot is in progress. */
  async settled(): Promise<void> {
    while (this.stopping) await this.stopping
  }

  /** Stop the current process and cancel a pending restart; a slot in backoff stays in backoff. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping
    const before = this.state
    this.cancel.abort(STOPPING)
    const proc = this.proc
    this.stopping = (async () => {
      if (proc) {
        this.state = 'stopping'
        await proc.stop()
        if (this.proc === proc) this.proc = null
      }
      this.ready = false
      this.state = before === 'backoff' ? 'backoff' : before === 'up' || before === 'stopping' || before === 'idle' ? 'stopped' : before
      if (this.state === 'stopped') this.settle(false)
    })().finally(() => (this.stopping = null))
    return this.stopping
  }

  private settle(ready: boolean): void {
    const waiters = this.waiters
    this.waiters = []
    for (const resolve of waiters) resolve(ready)
  }
}
