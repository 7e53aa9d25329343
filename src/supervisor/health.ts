// Liveness: once the wrapped runner is ready, run its check every interval;
// after `failures` consecutive failures the instance is `unhealthy` and is
// stopped, and the failure goes up to the restart policy like a crash.
import type {HealthSpec} from './spec.js'
import {sleep} from './clock.js'
import type {Check} from './checks/check.js'
import {SupervisorCode} from './errors.js'
import type {Runner} from './runner.js'
import {failChild, startWatched} from './watched-child.js'
import {prepareCheck, probeReporter} from './probe.js'

export function health(inner: Runner, spec: HealthSpec, createCheck: () => Check): Runner {
  return async (ctx) => {
    const check = createCheck()
    await prepareCheck(check, ctx, 'health probe')
    if (ctx.signal.aborted) return check.dispose?.()
    let becameReady!: () => void
    const isReady = new Promise<void>((resolve) => (becameReady = resolve))
    const {child, watching, release} = startWatched(inner, ctx, {
      onReady: () => {
        ctx.ready()
        becameReady()
      },
    })
    try {
      const ready = await Promise.race([isReady.then(() => true), child.exited.then(() => false, () => false)])
      if (ready) {
        const unhealthy = await watch(check, spec, ctx, watching)
        if (unhealthy) {
          await failChild(ctx, child, SupervisorCode.unhealthy, unhealthy, {state: 'unhealthy', health: 'unhealthy'})
        }
      }
      await child.exited
    } finally {
      release()
      check.dispose?.()
    }
  }
}

/** Returns why the instance is unhealthy, or null when watching stopped first. */
async function watch(check: Check, spec: HealthSpec, ctx: Parameters<Runner>[0], signal: AbortSignal): Promise<string | null> {
  let failures = 0
  let healthy: boolean | null = null
  const report = probeReporter(ctx, 'liveness')
  let since = ctx.clock.now()
  while (await sleep(ctx.clock, spec.intervalMs, signal)) {
    let why: string | null = null
    try {
      if (check.attempt) await check.attempt(spec.timeoutMs)
      else if (check.passedSince && !check.passedSince(since)) why = `no ${check.describe()} in ${spec.intervalMs}ms`
    } catch (error) {
      why = (error as Error).message
    }
    since = ctx.clock.now()
    if (signal.aborted) return null
    report(why === null ? {passed: true} : {passed: false, message: why})
    if (why === null) {
      failures = 0
      if (healthy !== true) ctx.emit({kind: 'instance', name: ctx.name, at: since, health: 'healthy'})
      healthy = true
      continue
    }
    failures += 1
    if (failures >= spec.failures) return `health check failed ${failures} times: ${why}`
  }
  return null
}
