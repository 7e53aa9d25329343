// `mar up -f`: the stack in this process (src/daemon/foreground.ts), printed
// foreman-style: every instance's output with its prefix, and mar's notes on
// what happens to it — the same events every client of the API gets, taken
// in this process so that lines and notes keep the order they happened in. Ctrl-C or SIGTERM stops everything
// gracefully (a second Ctrl-C kills at once); the exit code says whether
// anything failed.
import {formatCountdown} from '../api/describe.js'
import {isTerminalFailure} from '../api/instance-state.js'
import type {InstanceInfo} from '../api/protocol.js'
import {allInstances, type StackPlan} from '../config/types.js'
import {startForeground} from '../daemon/foreground.js'
import {describeExit} from '../supervisor/errors.js'
import {createPaint} from '../util/colors.js'
import {ExitCode} from '../util/errors.js'
import {LinePrinter} from './line-printer.js'

export interface ForegroundOptions {
  color: boolean
  quiet: boolean
  /** `mar up -f --ui`: the screen instead of printed lines (again printed once it detaches). */
  ui?: {detachOnReady: boolean; mouse?: boolean}
}

type NoteColor = 'dim' | 'red' | 'yellow' | 'green'

export async function runForeground(plan: StackPlan, options: ForegroundOptions): Promise<number> {
  const paint = createPaint(options.color)
  const instances = allInstances(plan)
  const runnerOf = new Map(instances.map((i) => [i.name, i.runner]))
  const printer = new LinePrinter(process.stdout, paint, instances.map((i) => i.name))
  // While the screen is up it owns the terminal: nothing is printed under it.
  let printing = !options.ui
  const latest = new Map<string, InstanceInfo>()

  const note = (info: InstanceInfo, text: string, color: NoteColor) => {
    if (printing && (!options.quiet || color === 'red')) printer.note(info.name, info.runner, text, color)
  }
  const onInstance = (info: InstanceInfo) => {
    const before = latest.get(info.name)
    latest.set(info.name, info)
    const told = describeChange(before, info)
    if (told) note(info, told.text, told.color)
  }
  // The stack's own events and lines, in this process and in the order they happened.
  const stack = await startForeground(plan, {
    onEvent(event) {
      if (event.kind === 'stack-added' && event.stack.name === plan.name) event.stack.instances.forEach(onInstance)
      else if (event.kind === 'instance' && event.stack === plan.name) onInstance(event.instance)
    },
    onLine(instance, line) {
      if (printing) printer.line(instance, runnerOf.get(instance) ?? instance, line.line)
    },
  })

  // What mar says while the screen is up waits until it is closed: written under it, it would be lost with the alternate screen.
  const held: string[] = []
  const say = (text: string) => void (printing ? process.stderr.write(text) : held.push(text))
  let stops = 0
  const stopAll = (why: string) => {
    stops += 1
    if (stops === 1) {
      say(paint('yellow', `mar: ${why}: stopping all instances (Ctrl-C again to kill them now)\n`))
      void stack.stop()
    } else {
      say(paint('red', 'mar: killing all instances now\n'))
      void stack.kill()
    }
  }
  const onSignal = (signal: NodeJS.Signals) => stopAll(signal === 'SIGINT' ? 'Ctrl-C' : signal)
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const signal of signals) process.on(signal, onSignal)
  try {
    const running = stack.run()
    if (options.ui) {
      const why = await showScreen(plan, options.ui.detachOnReady, options.color, options.ui.mouse ?? true).catch((error: unknown) => `the screen failed: ${error instanceof Error ? error.message : String(error)}`)
      printing = true
      for (const text of held.splice(0)) process.stderr.write(text)
      // q (or Ctrl-C, a key on the screen), a signal, or the screen failing stop the stack as Ctrl-C does in plain `up -f` —
      // once: a signal that closed the screen (run-ui hears it too) was heard here as well and already started the stop,
      // and stopping again would be the kill of a second Ctrl-C. A detach leaves the stack running here, printed.
      if (why !== null && stops === 0) stopAll(why)
    }
    await running
  } finally {
    await stack.close()
    for (const signal of signals) process.off(signal, onSignal)
    await printer.drain()
  }
  const failed = [...latest.values()].filter(isTerminalFailure)
  for (const info of failed) {
    const exit = info.lastExit ? ` (exited: ${describeExit(info.lastExit)})` : ''
    const reason = info.reason && info.reasonCode !== 'crashed' ? `: ${info.reason}` : ''
    process.stderr.write(paint('red', `mar: ${info.name} ${info.state}${exit}${reason}\n`))
  }
  return failed.length > 0 ? ExitCode.failed : ExitCode.ok
}

/** What a terminal user is told when an instance changes, foreman-style; null for nothing worth a line. */
export function describeChange(before: InstanceInfo | undefined, info: InstanceInfo, now = Date.now()): {text: string; color: NoteColor} | null {
  if (before?.state !== info.state) {
    switch (info.state) {
      case 'running':
        return {text: `started (pid ${info.pid})`, color: 'dim'}
      case 'ready':
        return {text: 'ready', color: 'green'}
      case 'exited':
      case 'stopped':
        if (info.lastExit && before?.pid) return {text: `exited: ${describeExit(info.lastExit)}`, color: 'dim'}
        return info.reason ? {text: info.reason, color: 'yellow'} : null
      case 'crashed':
        if (info.lastExit && info.reasonCode === 'crashed') return {text: `exited: ${describeExit(info.lastExit)}`, color: 'red'}
        return {text: info.reason ?? 'crashed', color: 'red'}
      case 'backoff':
        return {text: info.nextRestartAt ? `restarting in ${formatCountdown(Date.parse(info.nextRestartAt) - now)}` : 'restarting', color: 'yellow'}
      case 'failed':
      case 'unhealthy':
        return {text: `${info.state}: ${info.reason ?? ''}`, color: 'red'}
      default:
        return null
    }
  }
  if (info.notifyStatus !== null && info.notifyStatus !== before.notifyStatus) return {text: `status: ${info.notifyStatus}`, color: 'dim'}
  if (info.reason !== null && (info.reason !== before.reason || info.reasonCode !== before.reasonCode) && info.restarts === before.restarts) {
    return {text: info.reason, color: info.reasonCode === 'dependency-waiting' ? 'dim' : 'yellow'}
  }
  return null
}

/**
 * `up -f --ui`: the screen on this process's own stack, through its API socket like any other
 * client. `R` reloads from the same config file, as `mar reload` would from another terminal.
 */
async function showScreen(plan: StackPlan, detachOnReady: boolean, color: boolean, mouse: boolean): Promise<string | null> {
  const [{clientForStack}, {runUi}, {reloadFrom}] = await Promise.all([import('../api/connect.js'), import('../ui/run-ui.js'), import('./open-ui.js')])
  const client = await clientForStack({name: plan.name}, {start: false})
  try {
    const end = await runUi({client, stack: plan.name, readOnly: false, detachOnReady, color, mouse, reloadPlan: reloadFrom(plan.configPath)})
    // Why the stack stops now, as the line before "stopping all instances" says it; null: it goes on (detached).
    if (end.reason === 'detached') return null
    if (end.reason === 'signal') return end.signal === 'SIGINT' ? 'Ctrl-C' : end.signal
    return end.reason === 'lost' ? `the screen lost the stack (${end.message})` : 'quit'
  } finally {
    client.close()
  }
}
