// `mar up` with the daemon: subscribe to status changes, send the plan,
// show progress per instance, and exit 0 once every target is up — or 1
// with what failed and its last log lines.
import type {InstanceJson, LogLineJson, Reply, UpResult} from '../api/protocol.js'
import type {DaemonClient} from '../api/client.js'
import {allInstances, type InstancePlan, type StackPlan} from '../config/types.js'
import {parseDuration} from '../config/units.js'
import {createPaint, type Paint} from '../util/colors.js'
import {ExitCode, MarError} from '../util/errors.js'
import {connectDaemon} from './daemon-launch.js'
import {UpProgress} from './up-progress.js'
import {resolveTargets} from '../api/targets.js'

export interface UpOptions {
  wait: boolean
  timeout: string
  json: boolean
  color: boolean
  quiet: boolean
  ui: boolean
}

/** A crash loop this long is reported rather than waited out. */
const CRASH_LOOP_RESTARTS = 3
/**
 * Without a readiness probe an instance is ready once spawned (SPEC §1), but
 * `mar up` confirms it only once it stayed running this long, so a program
 * that dies at once (bad flag, missing file) is reported, not waved through.
 */
export const SETTLE_MS = 250

function isUp(json: InstanceJson, plan: InstancePlan, now = Date.now()): boolean {
  if (plan.oneshot) return json.state === 'exited'
  if (json.state === 'ready') return true
  if (plan.ready !== undefined || json.state !== 'running') return false
  return json.startedAt !== null && now - Date.parse(json.startedAt) >= SETTLE_MS
}

function failure(json: InstanceJson, plan: InstancePlan, restartsAtStart: number, lastProblem: string | undefined): string | null {
  if (json.state === 'failed') return json.reason ?? lastProblem ?? 'failed'
  if (json.state === 'crashed' && (plan.oneshot || plan.restart.policy === 'never')) return json.reason ?? lastProblem ?? 'crashed'
  if (json.restarts - restartsAtStart >= CRASH_LOOP_RESTARTS && !isUp(json, plan)) return `keeps failing (${json.restarts - restartsAtStart} restarts); last: ${(lastProblem ?? json.reason ?? json.state).replace(/; restarting in .*$/, '')}`
  if (json.state === 'stopped' && json.reason?.startsWith('dependency')) return json.reason
  return null
}

export async function upInDaemon(plan: StackPlan, targets: string[], options: UpOptions): Promise<number> {
  // Unknown targets are a usage error before anything reaches the daemon.
  resolveTargets(plan, targets)
  const timeoutMs = parseDuration(options.timeout)
  if (timeoutMs === undefined) throw new MarError('bad-flag', `--timeout ${options.timeout}: not a duration`, {hint: 'write it like 60s or 5m', exitCode: ExitCode.usage})
  const client = await connectDaemon({start: true})
  try {
    return await upWith(client, plan, targets, options, timeoutMs)
  } finally {
    client.close()
  }
}

async function upWith(client: DaemonClient, plan: StackPlan, targets: string[], options: UpOptions, timeoutMs: number): Promise<number> {
  const paint = createPaint(options.color)
  const plans = new Map(allInstances(plan).map((i) => [i.name, i] as const))
  const latest = new Map<string, InstanceJson>()
  /** The last thing that went wrong for each instance: its current reason may already be empty again. */
  const lastProblem = new Map<string, string>()
  const baseline = new Map<string, number>()
  let wanted: string[] | null = null
  let progress: UpProgress | null = null
  let wake: () => void = () => {}

  const observe = (json: InstanceJson) => {
    latest.set(json.name, json)
    if (json.reason && json.reason !== 'stopped' && json.reason !== 'exited: 0') lastProblem.set(json.name, json.reason)
    if (!baseline.has(json.name)) baseline.set(json.name, json.restarts)
    progress?.update(json)
    wake()
  }
  // Subscribe before asking, so no change between the two is missed.
  const watch = client.stream({type: 'watch'}, (reply: Reply) => {
    if (reply.type === 'snapshot') reply.status.stacks.filter((s) => s.name === plan.name).forEach((s) => s.instances.forEach(observe))
    else if (reply.type === 'change') {
      const change = reply.change
      if (change.kind === 'instance' && change.stack === plan.name) observe(change.instance)
      else if (change.kind === 'stack-added' && change.stack.name === plan.name) {
        baseline.clear()
        change.stack.instances.forEach(observe)
      }
    }
  })
  watch.done.catch(() => {})
  const result = await client.request<UpResult>({type: 'up', plan, targets})
  wanted = result.instances
  for (const change of result.changes) if (!options.quiet && !options.json) process.stdout.write(`${change.change === 'added' ? '+' : change.change === 'removed' ? '-' : '~'} ${change.instance} ${change.change}${change.fields ? `: ${change.fields.join(', ')}` : ''}\n`)
  if (!options.wait) {
    watch.cancel()
    if (options.json) process.stdout.write(`${JSON.stringify({stack: plan.name, instances: wanted, waited: false}, null, 2)}\n`)
    else if (!options.quiet) process.stdout.write(`${plan.name}: starting ${wanted.length} instance${wanted.length === 1 ? '' : 's'} (mar status shows progress)\n`)
    return ExitCode.ok
  }
  if (!options.quiet && !options.json) {
    progress = new UpProgress(wanted, paint, Boolean(process.stdout.isTTY), process.stdout)
    for (const name of wanted) {
      const json = latest.get(name)
      if (json) progress.update(json)
    }
  }

  const deadline = Date.now() + timeoutMs
  let failures: Array<{name: string; why: string}> = []
  for (;;) {
    const pending = wanted.filter((name) => !isUp(latest.get(name) ?? ({state: 'pending'} as InstanceJson), plans.get(name)!))
    failures = pending.flatMap((name) => {
      const json = latest.get(name)
      const why = json ? failure(json, plans.get(name)!, baseline.get(name) ?? 0, lastProblem.get(name)) : null
      return why ? [{name, why}] : []
    })
    if (pending.length === 0 || failures.length > 0) break
    if (Date.now() >= deadline) {
      failures = pending.map((name) => {
        const detail = latest.get(name)?.reason ?? lastProblem.get(name)
        return {name, why: `not ready after ${options.timeout} (${latest.get(name)?.state ?? 'pending'}${detail ? `: ${detail}` : ''})`}
      })
      break
    }
    await new Promise<void>((resolve) => {
      wake = resolve
      setTimeout(resolve, Math.min(50, Math.max(0, deadline - Date.now())))
    })
  }
  watch.cancel()
  progress?.finish()

  if (options.json) {
    process.stdout.write(`${JSON.stringify({stack: plan.name, ok: failures.length === 0, instances: wanted.map((n) => latest.get(n) ?? null), failures}, null, 2)}\n`)
  } else if (failures.length === 0) {
    if (!options.quiet) process.stdout.write(`${paint('green', '✓')} ${plan.name}: ${wanted.length} instance${wanted.length === 1 ? '' : 's'} up\n`)
  } else {
    await reportFailures(client, plan, failures, paint)
  }
  return failures.length === 0 ? ExitCode.ok : ExitCode.failed
}

async function reportFailures(client: DaemonClient, plan: StackPlan, failures: Array<{name: string; why: string}>, paint: Paint): Promise<void> {
  for (const {name, why} of failures) {
    process.stderr.write(`${paint('red', `✗ ${name}`)}: ${why}\n`)
    const lines: LogLineJson[] = []
    await client
      .stream({type: 'logs', stack: {name: plan.name}, targets: [name], lines: 10, follow: false}, (reply) => {
        if (reply.type === 'log') lines.push(reply.line)
      })
      .done.catch(() => {})
    if (lines.length === 0) process.stderr.write(paint('gray', '    (no output)\n'))
    for (const line of lines) process.stderr.write(`    ${paint('gray', `${line.stream === 'stderr' ? '!' : '|'}`)} ${line.line}\n`)
  }
  process.stderr.write(`mar: ${failures.length} instance${failures.length === 1 ? '' : 's'} of ${plan.name} failed to start — see \`mar logs\` and \`mar status\`\n`)
}
