// Runs a real stack from YAML text in-process, as `mar up -f` does, and
// records every event and output line, for integration tests.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {loadStack} from '../../src/config/load.js'
import {buildStack, type BuiltStack} from '../../src/config/to-runners.js'
import {createCgroupManager, type CgroupManager} from '../../src/supervisor/cgroup.js'
import {LineBus, type OutputLine} from '../../src/supervisor/output.js'
import {start, type InstanceEvent, type Process, type SupervisorEvent} from '../../src/supervisor/runner.js'
import type {StackPlan} from '../../src/config/types.js'
import {waitFor} from './wait.js'

export const fixtures = new URL('../fixtures/bin/', import.meta.url).pathname

export interface Harness {
  dir: string
  plan: StackPlan
  stack: BuiltStack
  proc: Process
  events: SupervisorEvent[]
  lines: Map<string, OutputLine[]>
  statesOf(instance: string): string[]
  pidOf(instance: string): number | null
  waitForState(instance: string, state: string, timeoutMs?: number): Promise<InstanceEvent>
  output(instance: string): string[]
  cleanup(): Promise<void>
}

export async function runStack(yaml: string, options: {cgroups?: boolean; files?: Record<string, string>; setup?: (dir: string) => void} = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'mar-it-'))
  let plan: StackPlan
  try {
    writeFileSync(join(dir, 'mar.yaml'), yaml.replaceAll('$FIXTURES', fixtures))
    for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content)
    options.setup?.(dir)
    const loaded = await loadStack({cwd: dir, env: {PATH: process.env.PATH, HOME: process.env.HOME}})
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'))
    plan = loaded.plan
  } catch (error) {
    // No harness (and so no cleanup) is returned: remove the directory here.
    rmSync(dir, {recursive: true, force: true})
    throw error
  }
  const events: SupervisorEvent[] = []
  const lines = new Map<string, OutputLine[]>()
  const buses = new Map<string, LineBus>()
  const busOf = (name: string) => {
    let bus = buses.get(name)
    if (!bus) {
      bus = new LineBus()
      const list: OutputLine[] = []
      lines.set(name, list)
      bus.subscribe((line) => list.push(line))
      buses.set(name, bus)
    }
    return bus
  }
  const cgroups: CgroupManager = createCgroupManager({namespace: `test-${process.pid}-${Date.now()}`, disabled: options.cgroups === false})
  const record = (event: SupervisorEvent) => events.push(event)
  const stack = buildStack(plan, {
    output: (instance) => ({kind: 'pipe', bus: busOf(instance.name)}),
    lines: (instance) => busOf(instance.name),
    runtimeDir: join(dir, 'run'),
    emit: record,
    cgroups,
  })
  const proc = start(stack.runner, {name: plan.name, emit: record})
  const instanceEvents = (name: string) => events.filter((e): e is InstanceEvent => e.kind === 'instance' && e.name === name)
  return {
    dir,
    plan,
    stack,
    proc,
    events,
    lines,
    statesOf: (name) => instanceEvents(name).flatMap((e) => (e.state ? [e.state] : [])),
    pidOf: (name) => {
      for (const event of instanceEvents(name).reverse()) if (event.pid !== undefined) return event.pid
      return null
    },
    waitForState: (name, state, timeoutMs = 10_000) =>
      waitFor(`${name} to be ${state}`, () => instanceEvents(name).find((e) => e.state === state), timeoutMs),
    output: (name) => (lines.get(name) ?? []).map((l) => l.line),
    async cleanup() {
      await proc.stop('kill')
      cgroups.dispose()
      rmSync(dir, {recursive: true, force: true})
    },
  }
}
