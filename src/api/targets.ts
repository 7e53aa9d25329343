// TARGET resolution (README, "Commands"): a group, a runner, an instance (web.2) or
// stack/runner; none means the whole stack. Shared by the CLI (foreground)
// and the daemon so both read targets the same way.
import {didYouMean} from '../config/suggest.js'
import type {StackPlan} from '../config/types.js'
import {ExitCode, MarError} from '../util/errors.js'
import type {StackInfo} from './protocol.js'

/** What resolving a target needs of a stack: its groups, runners and instances by name. A StackPlan is one. */
export interface TargetShape {
  name: string
  groups: readonly {name: string; runners: readonly {name: string; instances: readonly {name: string; host?: string}[]}[]}[]
}

/** How an instance is shown: `web.2`, or `web.2@h1` on another host. */
export function shownName(name: string, host: string | undefined): string {
  return host && host !== 'local' ? `${name}@${host}` : name
}

const instancesOf = (plan: TargetShape) => plan.groups.flatMap((g) => g.runners.flatMap((r) => r.instances))

/** The shape of a stack as the daemon reports it (status), for resolving targets against what is up. */
export function shapeOfStack(stack: Pick<StackInfo, 'name' | 'groups' | 'instances'>): TargetShape {
  const groups = new Map<string, Map<string, {name: string; host: string}[]>>(stack.groups.map((g) => [g.name, new Map()]))
  for (const instance of stack.instances) {
    const runners = groups.get(instance.group) ?? groups.set(instance.group, new Map()).get(instance.group)!
    const list = runners.get(instance.runner) ?? runners.set(instance.runner, []).get(instance.runner)!
    list.push({name: instance.name, host: instance.host})
  }
  return {name: stack.name, groups: [...groups].map(([name, runners]) => ({name, runners: [...runners].map(([runner, instances]) => ({name: runner, instances}))}))}
}

export interface ResolvedTarget {
  target: string
  kind: 'stack' | 'group' | 'runner' | 'instance'
  /** Instance names, in declaration order. */
  instances: string[]
}

export function splitStack(target: string): {stack?: string; name: string} {
  const slash = target.indexOf('/')
  return slash < 0 ? {name: target} : {stack: target.slice(0, slash), name: target.slice(slash + 1)}
}

/** Resolve one target (without its stack/ prefix) within a plan; null when unknown. */
export function resolveInPlan(plan: TargetShape, name: string): ResolvedTarget | null {
  const instances = instancesOf(plan)
  if (name === '' || name === plan.name) return {target: name, kind: 'stack', instances: instances.map((i) => i.name)}
  // `web.2@h1` is web.2 (on h1, as status shows it); `@h1` is every instance on h1.
  const at = name.lastIndexOf('@')
  if (at >= 0) {
    const host = name.slice(at + 1)
    const on = instances.filter((i) => (i.host ?? 'local') === host)
    if (at === 0) return on.length > 0 ? {target: name, kind: 'group', instances: on.map((i) => i.name)} : null
    const instance = on.find((i) => i.name === name.slice(0, at))
    return instance ? {target: name, kind: 'instance', instances: [instance.name]} : null
  }
  const instance = instances.find((i) => i.name === name)
  if (instance) return {target: name, kind: 'instance', instances: [instance.name]}
  for (const group of plan.groups) {
    const runner = group.runners.find((r) => r.name === name)
    if (runner) return {target: name, kind: 'runner', instances: runner.instances.map((i) => i.name)}
  }
  const group = plan.groups.find((g) => g.name === name)
  if (group) return {target: name, kind: 'group', instances: group.runners.flatMap((r) => r.instances.map((i) => i.name))}
  return null
}

export function knownNames(plan: TargetShape): string[] {
  return [
    ...plan.groups.map((g) => g.name),
    ...plan.groups.flatMap((g) => g.runners.flatMap((r) => [r.name, ...r.instances.map((i) => i.name)])),
  ]
}

export function unknownTarget(target: string, candidates: readonly string[]): MarError {
  const guess = didYouMean(target, candidates)
  return new MarError('unknown-target', `unknown target "${target}"`, {
    hint: guess ?? `known: ${candidates.slice(0, 12).join(', ')}`,
    exitCode: ExitCode.usage,
  })
}

/** Every instance the targets name, in declaration order; all of them for no targets. */
export function resolveTargets(plan: TargetShape, targets: readonly string[]): string[] {
  if (targets.length === 0) return instancesOf(plan).map((i) => i.name)
  const chosen = new Set<string>()
  for (const target of targets) {
    const {stack, name} = splitStack(target)
    if (stack !== undefined && stack !== plan.name) {
      throw new MarError('unknown-stack', `unknown stack "${stack}" in target "${target}"`, {hint: `this directory's stack is "${plan.name}"`, exitCode: ExitCode.usage})
    }
    const resolved = resolveInPlan(plan, name)
    if (!resolved) throw unknownTarget(target, knownNames(plan))
    for (const instance of resolved.instances) chosen.add(instance)
  }
  const order = instancesOf(plan).map((i) => i.name)
  return order.filter((n) => chosen.has(n))
}

/**
 * The part of the plan that starting `targets` needs: the chosen instances
 * plus every group they depend on (whole), so dependencies still come first.
 */
export function selectTargets(plan: StackPlan, targets: readonly string[]): StackPlan {
  if (targets.length === 0) return plan
  const chosen = new Set(resolveTargets(plan, targets))
  const byName = new Map(plan.groups.map((g) => [g.name, g]))
  const needed = new Set<string>()
  const need = (group: string) => {
    if (needed.has(group)) return
    needed.add(group)
    for (const dep of byName.get(group)?.dependsOn ?? []) need(dep.group)
  }
  for (const group of plan.groups) if (group.runners.some((r) => r.instances.some((i) => chosen.has(i.name)))) need(group.name)
  const direct = new Set(plan.groups.filter((g) => g.runners.some((r) => r.instances.some((i) => chosen.has(i.name)))).map((g) => g.name))
  const groups = plan.groups
    .filter((g) => needed.has(g.name))
    .map((g) => {
      if (!direct.has(g.name)) return g
      const runners = g.runners
        .map((r) => ({...r, instances: r.instances.filter((i) => chosen.has(i.name))}))
        .filter((r) => r.instances.length > 0)
      return {...g, runners}
    })
  return {...plan, groups, startOrder: plan.startOrder.filter((n) => needed.has(n))}
}
