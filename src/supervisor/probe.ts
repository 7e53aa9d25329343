// Readiness: wraps a runner so that it is ready only when its check passes,
// not when the program has merely been spawned. A check that has not passed
// within the timeout fails the instance with the check's last error.
import {MarError} from '../util/errors.js'
import type {ProbeSpec} from './spec.js'
import {sleep, STOPPING} from './clock.js'
import type {Check} from './checks/check.js'
import {SupervisorCode} from './errors.js'
import type {ProbeOutcome, RunContext, Runner} from './runner.js'
import {because, noReason} from './reasons.js'
import {failChild, startWatched} from './watched-child.js'
import type {Clock} from './clock.js'

/** Tells how each try went; `probeReporter` passes on only changes. */
export type ProbeReport = (outcome: Omit<ProbeOutcome, 'which'>) => void

/** Emit a probe's outcome when it differs from the last one emitted (a probe tried every 250 ms is not news every time). */
export function probeReporter(ctx: RunContext, which: ProbeOutcome['which']): ProbeReport {
  let last = ''
  return (outcome) => {
    const key = `${outcome.passed}\u0000${outcome.message ?? ''}`
    if (key === last) return
    last = key
    ctx.emit({kind: 'instance', name: ctx.name, at: ctx.clock.now(), probe: {which, ...outcome}})
  }
}

/** Wait until `check` passes; rejects with the last failure once `timeoutMs` has passed. */
export async function waitUntilPassing(check: Check, spec: Omit<ProbeSpec, 'check'>, clock: Clock, signal: AbortSignal, report: ProbeReport = () => {}): Promise<void> {
  const deadline = clock.now() + spec.timeoutMs
  if (check.waitPass) {
    // Whichever wins, the other is cancelled: no waiter or timer outlives the wait.
    const timer = new AbortController()
    const either = AbortSignal.any([signal, timer.signal])
    const passed = check.waitPass(either).then(() => true)
    const timedOut = sleep(clock, spec.timeoutMs, either).then(() => false)
    const won = await Promise.race([passed, timedOut])
    timer.abort(STOPPING)
    if (won) report({passed: true})
    else if (!signal.aborted) {
      const message = `no ${check.describe()} within ${spec.timeoutMs}ms`
      report({passed: false, message})
      throw new Error(message)
    }
    return
  }
  let last: unknown = new Error(`${check.describe()} never answered`)
  while (!signal.aborted) {
    const left = deadline - clock.now()
    if (left <= 0) break
    try {
      await check.attempt!(Math.min(left, Math.max(1000, spec.intervalMs * 4)))
      report({passed: true})
      return
    } catch (error) {
      last = error
      report({passed: false, message: (error as Error).message ?? String(error)})
    }
    if (!(await sleep(clock, Math.min(spec.intervalMs, Math.max(0, deadline - clock.now())), signal))) return
  }
  if (!signal.aborted) throw new Error(`${(last as Error).message ?? String(last)} (gave up after ${spec.timeoutMs}ms)`)
}

/** Set a check up before its program starts; a failure (no notify support, say) fails the instance with why. */
export async function prepareCheck(check: Check, ctx: RunContext, label: string): Promise<void> {
  try {
    await check.prepare?.()
  } catch (error) {
    const reason = `${label}: ${(error as Error).message}`
    ctx.emit({kind: 'instance', name: ctx.name, at: ctx.clock.now(), state: 'crashed', pid: null, why: because('spawn-failed', reason)})
    throw new MarError(SupervisorCode.spawnFailed, reason)
  }
}

export interface ProbeOptions {
  /**
   * Asked once, at the first run: a process taken over from a previous
   * daemon that had already passed its probe is ready as it is (a log line
   * it printed before will not be printed again).
   */
  assumeReady?: () => boolean
}

export function probe(inner: Runner, spec: ProbeSpec, createCheck: () => Check, options: ProbeOptions = {}): Runner {
  let firstRun = true
  return async (ctx) => {
    const assumeReady = firstRun && (options.assumeReady?.() ?? false)
    firstRun = false
    const check = createCheck()
    await prepareCheck(check, ctx, 'ready probe')
    try {
      if (ctx.signal.aborted) return
      let spawned!: () => void
      const wasSpawned = new Promise<void>((resolve) => (spawned = resolve))
      const {child, watching, release} = startWatched(inner, ctx, {onReady: () => spawned()})
      try {
        const first = await Promise.race([wasSpawned.then(() => 'spawned' as const), child.exited.then(() => 'ended' as const, () => 'ended' as const)])
        if (first === 'spawned' && !watching.aborted) {
          try {
            if (!assumeReady) await waitUntilPassing(check, spec, ctx.clock, watching, probeReporter(ctx, 'ready'))
            if (!watching.aborted) {
              ctx.emit({kind: 'instance', name: ctx.name, at: ctx.clock.now(), state: 'ready', why: noReason})
              ctx.ready()
            }
          } catch (error) {
            await failChild(ctx, child, SupervisorCode.readyFailed, `ready probe failed: ${(error as Error).message}`)
          }
        }
        await child.exited
      } finally {
        release()
      }
    } finally {
      check.dispose?.()
    }
  }
}
