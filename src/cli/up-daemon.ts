// `mar up` with the daemon: subscribe to its events, send the plan, show
// progress per instance, and exit 0 once every target is up — or 1 with
// what failed and its last log lines.
import type {DaemonClient} from '../api/client.js'
import {connectDaemon} from '../api/connect.js'
import {compareLogPositions, decodeCursor} from '../api/cursor.js'
import {describeReason} from '../api/describe.js'
import {isUp} from '../api/instance-state.js'
import {instanceJson} from '../api/json.js'
import type {InstanceInfo, LogLine, StackInfo} from '../api/protocol.js'
import {resolveTargets} from '../api/targets.js'
import {allInstances, type InstancePlan, type StackPlan} from '../config/types.js'
import {parseDuration} from '../config/units.js'
import {packPlan} from '../config/plan-pack.js'
import {createPaint, type Paint} from '../util/colors.js'
import {ExitCode, MarError} from '../util/errors.js'
import {programLinesFor} from '../util/terminal-text.js'
import {refuseIfInForeground} from './one-copy.js'
import {UpProgress} from './up-progress.js'

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
 * Without a readiness probe an instance is ready once spawned, but `mar up`
 * confirms it only once it stayed running this long, so a program that dies
 * at once (bad flag, missing file) is reported, not waved through.
 */
export const SETTLE_MS = 250

function confirmed(info: InstanceInfo, now = Date.now()): boolean {
  if (!isUp(info)) return false
  if (info.oneshot || info.ready !== null) return true
  return info.startedAt !== null && now - Date.parse(info.startedAt) >= SETTLE_MS
}

function failure(info: InstanceInfo, plan: InstancePlan, restartsAtStart: number, lastProblem: string | undefined): string | null {
  if (info.state === 'failed') return describeReason(info) ?? lastProblem ?? 'failed'
  if (info.state === 'crashed' && (plan.oneshot || plan.restart.policy === 'never')) return describeReason(info) ?? lastProblem ?? 'crashed'
  const restarts = info.restarts - restartsAtStart
  if (restarts >= CRASH_LOOP_RESTARTS && !isUp(info)) return `keeps failing (${restarts} restarts); last: ${lastProblem ?? info.reason ?? info.state}`
  if (info.reasonCode === 'dependency-failed') return describeReason(info)
  return null
}

export async function upInDaemon(plan: StackPlan, targets: string[], options: UpOptions): Promise<number> {
  // Unknown targets are a usage error before anything reaches the daemon.
  resolveTargets(plan, targets)
  const timeoutMs = parseDuration(options.timeout)
  if (timeoutMs === undefined) throw new MarError('bad-flag', `--timeout ${options.timeout}: not a duration`, {hint: 'write it like 60s or 5m'})
  await refuseIfInForeground(plan)
  const client = await connectDaemon({start: true})
  const waiting: Waiting = {stillStarting: () => allInstances(plan).map((i) => i.name), finish: () => {}}
  const stopHandling = onInterrupt(plan.name, waiting)
  try {
    return await upWith(client, plan, targets, options, timeoutMs, waiting)
  } finally {
    stopHandling()
    client.close()
  }
}

/** What an interrupted `up` tells: filled in as the wait goes on. */
interface Waiting {
  stillStarting(): string[]
  finish(): void
}

/**
 * Ctrl-C while `up` waits stops the waiting, not the stack: say so, and
 * which instances go on starting in the daemon, then exit 130 as a shell
 * expects of an interrupted command.
 */
function onInterrupt(stack: string, waiting: Waiting): () => void {
  const interrupted = () => {
    waiting.finish()
    const names = waiting.stillStarting()
    const what = names.length === 0 ? `${stack} keeps running` : `${names.join(', ')} ${names.length === 1 ? 'keeps' : 'keep'} starting`
    process.stderr.write(`\nmar: stopped waiting — ${what} in the daemon (mar status, mar down)\n`)
    process.exit(ExitCode.interrupted)
  }
  process.once('SIGINT', interrupted)
  return () => process.off('SIGINT', interrupted)
}

async function upWith(client: DaemonClient, plan: StackPlan, targets: string[], options: UpOptions, timeoutMs: number, waiting: Waiting): Promise<number> {
  const paint = createPaint(options.color)
  const plans = new Map(allInstances(plan).map((i) => [i.name, i] as const))
  const latest = new Map<string, InstanceInfo>()
  /** The last thing that went wrong for each instance: its current reason may already be empty again. */
  const lastProblem = new Map<string, string>()
  const baseline = new Map<string, number>()
  let progress: UpProgress | null = null
  let wake: () => void = () => {}

  const observe = (info: InstanceInfo) => {
    latest.set(info.name, info)
    const problem = info.reasonCode && info.reasonCode !== 'stopped-by-user' && info.reasonCode !== 'completed' && info.reasonCode !== 'exited' ? info.reason : null
    if (problem) lastProblem.set(info.name, problem)
    if (!baseline.has(info.name)) baseline.set(info.name, info.restarts)
    progress?.update(info)
    wake()
  }
  const observeStack = (stack: StackInfo) => {
    if (stack.name === plan.name) stack.instances.forEach(observe)
  }
  // Subscribe before asking, so no change between the two is missed.
  const watch = client.stream('watch', {}, {
    item: (event) => {
      if (event.kind === 'snapshot') event.status.stacks.forEach(observeStack)
      else if (event.kind === 'instance' && event.stack === plan.name) observe(event.instance)
      else if (event.kind === 'stack-added' && event.stack.name === plan.name) {
        baseline.clear()
        observeStack(event.stack)
      }
    },
  })
  const result = await client.call('up', {plan: packPlan(plan), targets})
  const wanted = result.instances
  const unconfirmed = () => wanted.filter((name) => !latest.has(name) || !confirmed(latest.get(name)!))
  waiting.stillStarting = unconfirmed
  for (const change of result.changes) if (!options.quiet && !options.json) process.stdout.write(`${change.change === 'added' ? '+' : change.change === 'removed' ? '-' : '~'} ${change.instance} ${change.change}${change.fields ? `: ${change.fields.join(', ')}` : ''}\n`)
  if (!options.wait) {
    watch.cancel()
    if (options.json) process.stdout.write(`${JSON.stringify({stack: plan.name, instances: wanted, waited: false}, null, 2)}\n`)
    else if (!options.quiet) process.stdout.write(`${plan.name}: starting ${wanted.length} instance${wanted.length === 1 ? '' : 's'} (mar status shows progress)\n`)
    return ExitCode.ok
  }
  if (!options.quiet && !options.json) {
    progress = new UpProgress(wanted, paint, Boolean(process.stdout.isTTY), process.stdout)
    waiting.finish = () => progress?.finish()
    for (const name of wanted) {
      const info = latest.get(name)
      if (info) progress.update(info)
    }
  }

  const deadline = Date.now() + timeoutMs
  // A change a failed dependency kept from being applied is this run's failure; what runs keeps running.
  const blocked = (result.blocked ?? []).map((b) => ({name: b.instance, why: `not reloaded: ${b.reason}`}))
  let failures: Array<{name: string; why: string}> = blocked
  for (;;) {
    if (blocked.length > 0) break
    const pending = unconfirmed()
    failures = pending.flatMap((name) => {
      const info = latest.get(name)
      const why = info ? failure(info, plans.get(name)!, baseline.get(name) ?? 0, lastProblem.get(name)) : null
      return why ? [{name, why}] : []
    })
    if (pending.length === 0 || failures.length > 0) break
    if (Date.now() >= deadline) {
      failures = pending.map((name) => {
        const info = latest.get(name)
        const detail = (info && describeReason(info)) ?? lastProblem.get(name)
        return {name, why: `not ready after ${options.timeout} (${info?.state ?? 'pending'}${detail ? `: ${detail}` : ''})`}
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
    process.stdout.write(`${JSON.stringify({stack: plan.name, ok: failures.length === 0, instances: wanted.map((n) => (latest.has(n) ? instanceJson(latest.get(n)!) : null)), failures}, null, 2)}\n`)
  } else if (failures.length === 0) {
    if (!options.quiet) process.stdout.write(`${paint('green', '✓')} ${plan.name}: ${wanted.length} instance${wanted.length === 1 ? '' : 's'} up\n`)
  } else {
    await reportFailures(client, plan, failures, result.logsFrom, paint)
  }
  return failures.length === 0 ? ExitCode.ok : ExitCode.failed
}

/** Each failure with its last lines of output from this run (those after `logsFrom`), not an earlier config's. */
async function reportFailures(client: DaemonClient, plan: StackPlan, failures: Array<{name: string; why: string}>, logsFrom: string | undefined, paint: Paint): Promise<void> {
  const from = logsFrom === undefined ? undefined : decodeCursor(logsFrom)
  const thisRun = (line: LogLine) => !from || compareLogPositions(decodeCursor(line.cursor), from) > 0
  const shownLine = programLinesFor(process.stderr)
  for (const {name, why} of failures) {
    process.stderr.write(`${paint('red', `✗ ${name}`)}: ${why}\n`)
    const lines: LogLine[] = []
    await client
      .stream('logs', {stack: {name: plan.name}, targets: [name], lines: 10, follow: false}, {item: (line) => thisRun(line) && lines.push(line)})
      .done.catch(() => {})
    if (lines.length === 0) process.stderr.write(paint('gray', '    (no output)\n'))
    for (const line of lines) process.stderr.write(`    ${paint('gray', `${line.stream === 'stderr' ? '!' : '|'}`)} ${shownLine(line.line)}\n`)
  }
  process.stderr.write(`mar: ${failures.length} instance${failures.length === 1 ? '' : 's'} of ${plan.name} failed to start — see \`mar logs\` and \`mar status\`\n`)
}
