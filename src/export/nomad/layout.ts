// Which task group each runner becomes a task of. A mar group is a task
// group (count = scale) when its services share one scale, else one task
// group per service (count applies to every task of a group). Oneshots run
// to completion, which a service job's main tasks may not (Nomad restarts
// them after a clean exit), so they become lifecycle tasks: `prestart` where
// what depends on them is in the same task group — the runners after them in
// an ordered group, or the task groups of groups that depend on a group of
// oneshots — and `poststart` beside the services of a parallel group. A
// group of oneshots nothing depends on goes to a second, batch job.
import type {GroupPlan, RunnerPlan, StackPlan} from '../../config/types.js'
import type {ExportReport} from '../unexpressed.js'

export type Hook = 'prestart' | 'poststart'

export interface TaskSlot {
  runner: RunnerPlan
  hook?: Hook
}

export interface TaskGroupLayout {
  name: string
  /** The mar group it comes from. */
  group: string
  count: number
  tasks: TaskSlot[]
}

export interface JobLayout {
  type: 'service' | 'batch'
  groups: TaskGroupLayout[]
}

export interface Layout {
  main: JobLayout
  /** Groups of oneshots that nothing depends on, when the stack also has services. */
  oneshots?: JobLayout
}

const present = (r: RunnerPlan) => r.instances.length > 0

/** Task groups for runners that run side by side: one when they share a scale, else one each. */
function split(group: GroupPlan, runners: RunnerPlan[], report: ExportReport): TaskGroupLayout[] {
  if (runners.length === 0) return []
  const scales = new Set(runners.map((r) => r.scale))
  if (scales.size === 1) return [{name: group.name, group: group.name, count: runners[0]!.scale, tasks: runners.map((runner) => ({runner}))}]
  report.note(`group ${group.name}: its runners have different scales (${runners.map((r) => `${r.name} ${r.scale}`).join(', ')}): one task group per runner, since a task group's count applies to all its tasks`)
  return runners.map((runner) => ({name: `${group.name}-${runner.name}`, group: group.name, count: runner.scale, tasks: [{runner}]}))
}

function scaleItem(oneshot: RunnerPlan, into: TaskGroupLayout[], report: ExportReport): void {
  const runs = into.reduce((sum, tg) => sum + tg.count, 0)
  if (runs !== oneshot.scale) {
    report.lost(oneshot.name, 'scale', `${oneshot.scale} run${oneshot.scale === 1 ? '' : 's'} of the oneshot`, `a lifecycle task runs once in each allocation of ${into.map((tg) => `${tg.name} (${tg.count})`).join(', ')}: ${runs} run${runs === 1 ? '' : 's'}`)
  }
}

export function layoutJobs(plan: StackPlan, report: ExportReport): Layout {
  const groups = plan.startOrder.map((name) => plan.groups.find((g) => g.name === name)!)
  for (const runner of groups.flatMap((g) => g.runners)) if (!present(runner)) report.lost(runner.name, 'scale', '0 (no instances)', 'not exported')
  const hasServices = groups.some((g) => g.runners.some((r) => !r.oneshot && present(r)))
  if (!hasServices) {
    // Nothing but oneshots: a batch job, whose main tasks may finish.
    return {main: {type: 'batch', groups: groups.flatMap((g) => split(g, g.runners.filter(present), report))}}
  }

  const placed = new Map<string, TaskGroupLayout[]>()
  const oneshotGroups: TaskGroupLayout[] = []
  // Dependents first (reverse start order), so a group of oneshots finds the task groups of what waits for it.
  for (const group of [...groups].reverse()) {
    const services = group.runners.filter((r) => !r.oneshot && present(r))
    const oneshots = group.runners.filter((r) => r.oneshot && present(r))
    if (services.length > 0) {
      const tgs = split(group, services, report)
      const firstService = group.runners.findIndex((r) => !r.oneshot && present(r))
      for (const oneshot of oneshots) {
        const before = group.strategy === 'ordered' && group.runners.indexOf(oneshot) < firstService
        tgs[0]!.tasks.push({runner: oneshot, hook: before ? 'prestart' : 'poststart'})
        scaleItem(oneshot, [tgs[0]!], report)
      }
      placed.set(group.name, tgs)
      continue
    }
    if (oneshots.length === 0) continue
    const into = groups.filter((g) => g.dependsOn.some((d) => d.group === group.name)).flatMap((g) => placed.get(g.name) ?? [])
    if (into.length === 0) {
      oneshotGroups.push(...split(group, oneshots, report))
      report.note(`group ${group.name}: its oneshots are in the batch job ${plan.name}-oneshots (nothing depends on them; a service job's tasks may not finish)`)
      continue
    }
    for (const tg of into) for (const oneshot of oneshots) tg.tasks.push({runner: oneshot, hook: 'prestart'})
    for (const oneshot of oneshots) scaleItem(oneshot, into, report)
    placed.set(group.name, into)
  }
  const main: JobLayout = {type: 'service', groups: groups.flatMap((g) => (placed.get(g.name) ?? []).filter((tg) => tg.group === g.name))}
  // Prestart tasks first, then the main ones, then poststart: the order Nomad runs them in.
  const rank = (slot: TaskSlot) => (slot.hook === 'prestart' ? 0 : slot.hook === 'poststart' ? 2 : 1)
  for (const tg of main.groups) tg.tasks.sort((a, b) => rank(a) - rank(b))
  return oneshotGroups.length > 0 ? {main, oneshots: {type: 'batch', groups: oneshotGroups.reverse()}} : {main}
}

/** The task groups a mar group's runners ended up in (for depends_on). */
export function taskGroupsOf(layout: Layout, group: string): TaskGroupLayout[] {
  return [...layout.main.groups, ...(layout.oneshots?.groups ?? [])].filter((tg) => tg.tasks.some((t) => t.runner.group === group))
}
