// What `mar reload` (and `mar up` of a stack that is already up) must do:
// compare the running plan with the new one, instance by instance.
// Group-level changes (groups added or removed, strategy, restart strategy,
// depends_on) are "structural": the stack is restarted as a whole.
import {allInstances, type GroupPlan, type InstancePlan, type StackPlan} from '../config/types.js'
import type {PlanChange, ReloadStep} from '../api/protocol.js'

export interface PlanDiff {
  changes: PlanChange[]
  /** Why the stack must restart as a whole; empty when per-instance changes suffice. */
  structural: string[]
  /**
   * The order the added and changed instances (re)start in, group by group:
   * a group waits for those of its dependencies that this reload re-runs,
   * under the same condition as at `up` (empty when the stack restarts whole).
   */
  steps: ReloadStep[]
}

const compared: Array<keyof InstancePlan> = [
  'command', 'cwd', 'port', 'ready', 'health', 'restart', 'stop', 'oneshot', 'memoryLimit', 'resources', 'watch', 'log', 'host', 'group', 'runner',
]

function instancesOf(plan: StackPlan): Map<string, InstancePlan> {
  return new Map(allInstances(plan).map((i) => [i.name, i] as const))
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** The part of the environment the stack sets; all of it when the plan does not say. */
function declaredEnv(instance: InstancePlan): Record<string, string> {
  // Sorted: a plan that was packed and unpacked has its variables in another order.
  const keys = instance.envKeys ?? Object.keys(instance.env)
  return Object.fromEntries([...keys].sort().map((key) => [key, instance.env[key] ?? '']))
}

function groupShape(group: GroupPlan) {
  return {strategy: group.strategy, restart: group.restart, dependsOn: group.dependsOn, runners: group.runners.map((r) => r.name)}
}

export function diffPlans(old: StackPlan, next: StackPlan): PlanDiff {
  const structural: string[] = []
  const oldGroups = new Map(old.groups.map((g) => [g.name, g]))
  const newGroups = new Map(next.groups.map((g) => [g.name, g]))
  for (const name of newGroups.keys()) if (!oldGroups.has(name)) structural.push(`group ${name} added`)
  for (const name of oldGroups.keys()) if (!newGroups.has(name)) structural.push(`group ${name} removed`)
  for (const [name, group] of newGroups) {
    const before = oldGroups.get(name)
    if (!before) continue
    const a = groupShape(before)
    const b = groupShape(group)
    for (const key of ['strategy', 'restart', 'dependsOn'] as const) if (!same(a[key], b[key])) structural.push(`group ${name}: ${key} changed`)
    // Runners added or removed keep the structure; a new order matters to rest-for-one.
    const common = b.runners.filter((r) => a.runners.includes(r))
    if (!same(common, a.runners.filter((r) => b.runners.includes(r)))) structural.push(`group ${name}: runner order changed`)
  }
  const oldInstances = instancesOf(old)
  const newInstances = instancesOf(next)
  const changes: PlanChange[] = []
  for (const [name, instance] of newInstances) {
    const before = oldInstances.get(name)
    if (!before) {
      changes.push({instance: name, change: 'added', host: instance.host})
      continue
    }
    const fields: string[] = compared.filter((key) => !same(before[key], instance[key]))
    if (!same(declaredEnv(before), declaredEnv(instance))) fields.splice(2, 0, 'env')
    if (fields.length > 0) changes.push({instance: name, change: 'changed', fields, host: instance.host, ...(before.host === instance.host ? {} : {fromHost: before.host})})
    if (before.group !== instance.group) structural.push(`${name} moved to group ${instance.group}`)
  }
  for (const [name, instance] of oldInstances) if (!newInstances.has(name)) changes.push({instance: name, change: 'removed', host: instance.host})
  return {changes, structural, steps: structural.length > 0 ? [] : reloadSteps(next, changes)}
}

/** The groups with added or changed instances, in start order, each with the re-run dependencies it waits for. */
export function reloadSteps(next: StackPlan, changes: readonly PlanChange[]): ReloadStep[] {
  const groupOf = new Map(allInstances(next).map((i) => [i.name, i.group] as const))
  const touched = new Map<string, string[]>()
  for (const change of changes) {
    if (change.change === 'removed') continue
    const group = groupOf.get(change.instance)!
    touched.set(group, [...(touched.get(group) ?? []), change.instance])
  }
  const groups = new Map(next.groups.map((g) => [g.name, g]))
  return next.startOrder
    .filter((name) => touched.has(name))
    .map((name) => ({
      group: name,
      after: groups.get(name)!.dependsOn.filter((d) => touched.has(d.group)),
      instances: touched.get(name)!,
    }))
}

/** `next`, except that the named instances keep their version in `previous` (or stay out, when `previous` had none). */
export function withoutChanges(next: StackPlan, previous: StackPlan, names: ReadonlySet<string>): StackPlan {
  const before = instancesOf(previous)
  const groups = next.groups.map((group) => ({
    ...group,
    runners: group.runners.flatMap((runner) => {
      const instances = runner.instances.flatMap((i) => (!names.has(i.name) ? [i] : (before.get(i.name) ?? [])))
      const existed = previous.groups.some((g) => g.runners.some((r) => r.name === runner.name))
      return instances.length === 0 && !existed ? [] : [{...runner, instances}]
    }),
  }))
  return {...next, groups}
}
