// `mar up -f`: the stack in this process, foreman-style. Every instance's
// output is printed with its prefix; Ctrl-C or SIGTERM stops everything
// gracefully (a second Ctrl-C kills at once); the exit code says whether
// anything failed.
import {tmpdir} from 'node:os'
import {mkdtempSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {allInstances, type InstancePlan, type StackPlan} from '../config/types.js'
import {buildStack} from '../config/to-runners.js'
import {createCgroupManager, sweepStaleForeground} from '../supervisor/cgroup.js'
import {describeExit} from '../supervisor/errors.js'
import {applyEvent, initialStatus, isTerminalFailure, type InstanceStatus} from '../supervisor/instance-status.js'
import {LineBus} from '../supervisor/output.js'
import {start, type InstanceEvent, type SupervisorEvent} from '../supervisor/runner.js'
import {createPaint} from '../util/colors.js'
import {ExitCode} from '../util/errors.js'
import {LinePrinter} from './line-printer.js'

export interface ForegroundOptions {
  color: boolean
  quiet: boolean
}

export async function runForeground(plan: StackPlan, options: ForegroundOptions): Promise<number> {
  const paint = createPaint(options.color)
  const instances = allInstances(plan)
  const printer = new LinePrinter(process.stdout, paint, instances.map((i) => i.name))
  const byName = new Map(instances.map((i) => [i.name, i]))
  const statuses = new Map<string, InstanceStatus>(instances.map((i) => [i.name, initialStatus(i)]))
  const buses = new Map<string, LineBus>()
  const busOf = (instance: InstancePlan) => {
    let bus = buses.get(instance.name)
    if (!bus) {
      bus = new LineBus()
      bus.subscribe(({line}) => printer.line(instance.name, instance.runner, line))
      buses.set(instance.name, bus)
    }
    return bus
  }

  const onEvent = (event: SupervisorEvent) => {
    if (event.kind !== 'instance') return
    const instance = byName.get(event.name)
    const status = statuses.get(event.name)
    if (!instance || !status) return
    statuses.set(event.name, applyEvent(status, event))
    const note = describeEvent(event)
    if (note && (!options.quiet || note.color === 'red')) printer.note(instance.name, instance.runner, note.text, note.color)
  }

  const runtimeDir = mkdtempSync(join(tmpdir(), 'mar-'))
  sweepStaleForeground()
  const cgroups = createCgroupManager({namespace: `fg-${process.pid}`})
  const stack = buildStack(plan, {
    output: (instance) => ({kind: 'pipe', bus: busOf(instance)}),
    lines: busOf,
    runtimeDir,
    emit: onEvent,
    cgroups,
  })
  const proc = start(stack.runner, {name: plan.name, emit: onEvent})

  let stops = 0
  const onSignal = (signal: NodeJS.Signals) => {
    stops += 1
    if (stops === 1) {
      process.stderr.write(paint('yellow', `mar: ${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping all instances (Ctrl-C again to kill them now)\n`))
      void proc.stop('graceful')
    } else {
      process.stderr.write(paint('red', 'mar: killing all instances now\n'))
      void proc.stop('kill')
    }
  }
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const signal of signals) process.on(signal, onSignal)
  try {
    await proc.exited.catch(() => {})
  } finally {
    for (const signal of signals) process.off(signal, onSignal)
    rmSync(runtimeDir, {recursive: true, force: true})
    cgroups.dispose()
    await printer.drain()
  }
  const failed = [...statuses.values()].filter(isTerminalFailure)
  for (const status of failed) {
    const exit = status.lastExit ? ` (exited: ${describeExit(status.lastExit)})` : ''
    const reason = status.reason && !status.reason.startsWith('exited:') ? `: ${status.reason}` : ''
    process.stderr.write(paint('red', `mar: ${status.name} ${status.state}${exit}${reason}\n`))
  }
  return failed.length > 0 ? ExitCode.failed : ExitCode.ok
}

function describeEvent(event: InstanceEvent): {text: string; color: 'dim' | 'red' | 'yellow' | 'green'} | null {
  switch (event.state) {
    case 'running':
      return {text: `started (pid ${event.pid})`, color: 'dim'}
    case 'ready':
      return {text: 'ready', color: 'green'}
    case 'exited':
    case 'stopped':
      if (event.exit) return {text: `exited: ${describeExit(event.exit)}`, color: 'dim'}
      return event.reason && event.reason !== 'stopped' ? {text: event.reason, color: 'yellow'} : null
    case 'crashed':
      if (event.exit) return {text: `exited: ${describeExit(event.exit)}`, color: 'red'}
      return {text: event.reason ?? 'crashed', color: 'red'}
    case 'backoff':
      return {text: event.reason?.replace(/^.*; /, '').replace(/ \(at [\d:]+\)$/, '') ?? 'restarting', color: 'yellow'}
    case 'failed':
    case 'unhealthy':
      return {text: `${event.state}: ${event.reason ?? ''}`, color: 'red'}
    case undefined:
      if (event.status) return {text: `status: ${event.status}`, color: 'dim'}
      if (event.reason && event.restarted === undefined) return {text: event.reason, color: 'yellow'}
      return null
    default:
      return null
  }
}
