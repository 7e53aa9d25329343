// Fake programs for unit tests of the supervision core: each run of a named
// instance is recorded, becomes ready after a (fake-time) delay, and ends
// when the test makes it crash or exit, or when it is stopped.
import {sleep, type Clock} from '../../src/supervisor/clock.js'
import {ExitError} from '../../src/supervisor/errors.js'
import type {Runner, SupervisorEvent} from '../../src/supervisor/runner.js'
import {because, noReason} from '../../src/supervisor/reasons.js'

interface Run {
  name: string
  startedAt: number
  readyAt?: number
  endedAt?: number
  end(outcome: {code: number}): void
}

export interface FakeOptions {
  readyAfterMs?: number
  /** Exit by itself after this long with this code (a oneshot, or a flaky service). */
  exitAfter?: {ms: number; code: number}
  /** Ready only once it exited 0. */
  oneshot?: boolean
  /** A graceful stop takes this long (fake time). */
  stopAfterMs?: number
}

export class FakeFleet {
  readonly runs: Run[] = []
  readonly events: SupervisorEvent[] = []
  readonly log: string[] = []

  /**
   * `pidBase`: fake pids start above it. Tests that signal process groups use
   * one above the kernel's pid_max (2^22), so no real process can be hit.
   */
  constructor(
    private readonly clock: Clock,
    private readonly pidBase = 1000,
  ) {}

  record = (event: SupervisorEvent): void => {
    this.events.push(event)
  }

  runner(name: string, options: FakeOptions = {}): Runner {
    return async (ctx) => {
      let end!: (outcome: {code: number}) => void
      const ended = new Promise<{code: number}>((resolve) => (end = resolve))
      const run: Run = {name, startedAt: this.clock.now(), end}
      this.runs.push(run)
      this.log.push(`start ${name}`)
      ctx.emit({kind: 'instance', name, at: this.clock.now(), state: 'running', pid: this.pidBase + this.runs.length, startedAt: this.clock.now(), why: noReason})
      const stop = new Promise<'stop'>((resolve) => ctx.signal.addEventListener('abort', () => resolve('stop'), {once: true}))
      if (options.exitAfter) {
        const {ms, code} = options.exitAfter
        void sleep(this.clock, ms, ctx.signal).then((done) => done && end({code}))
      }
      let finished = false
      void ended.then(() => (finished = true))
      const markReady = () => {
        run.readyAt = this.clock.now()
        this.log.push(`ready ${name}`)
        ctx.ready()
      }
      if (!options.oneshot) {
        if (options.readyAfterMs) await Promise.race([sleep(this.clock, options.readyAfterMs, ctx.signal), ended, stop])
        if (!ctx.signal.aborted && !finished) markReady()
      }
      const outcome = await Promise.race([ended, stop])
      run.endedAt = this.clock.now()
      if (outcome === 'stop') {
        if (options.stopAfterMs) {
          ctx.emit({kind: 'instance', name, at: this.clock.now(), state: 'stopping'})
          await sleep(this.clock, options.stopAfterMs, ctx.killSignal)
        }
        this.log.push(`stop ${name}`)
        ctx.emit({kind: 'instance', name, at: this.clock.now(), state: 'stopped', pid: null, exit: {code: 0, signal: null}, why: noReason})
        return
      }
      this.log.push(`exit ${name} ${outcome.code}`)
      const exit = {code: outcome.code, signal: null}
      if (outcome.code === 0) {
        ctx.emit({kind: 'instance', name, at: this.clock.now(), state: 'exited', pid: null, exit, why: because(options.oneshot ? 'completed' : 'exited', 'exited: 0')})
        if (options.oneshot) markReady()
        return
      }
      ctx.emit({kind: 'instance', name, at: this.clock.now(), state: 'crashed', pid: null, exit, why: because('crashed', `exited: ${outcome.code}`)})
      throw new ExitError(name, {code: outcome.code, signal: null})
    }
  }

  /** Runs of `name`, oldest first. */
  runsOf(name: string): Run[] {
    return this.runs.filter((r) => r.name === name)
  }

  current(name: string): Run | undefined {
    return this.runsOf(name).find((r) => r.endedAt === undefined)
  }

  isRunning(name: string): boolean {
    return this.current(name) !== undefined
  }

  crash(name: string, code = 1): void {
    const run = this.current(name)
    if (!run) throw new Error(`${name} is not running`)
    run.end({code})
  }

  runningNames(): string[] {
    return this.runs.filter((r) => r.endedAt === undefined).map((r) => r.name)
  }

  statesOf(name: string): string[] {
    return this.events.flatMap((e) => (e.kind === 'instance' && e.name === name && e.state ? [e.state] : []))
  }
}
