// Names and the group dependency graph: duplicate runner names across
// groups, unknown depends_on targets, cycles (named: `a → b → a`), unknown
// hosts, and the start order — a topological order that keeps declaration
// order among groups that do not depend on each other.
import {DEFAULTS} from './defaults.js'
import {didYouMean} from './suggest.js'
import {NAME_PATTERN} from './schema-primitives.js'
import type {ConfigModel, GroupEntry} from './model.js'
import type {ConfigIssue, DependencyCondition} from './types.js'
import type {ConfigPath, ParsedSource} from './source.js'

/** Names worth suggesting (an invalid one is reported on its own). */
const NAME = new RegExp(NAME_PATTERN)

export interface Dependency {
  group: string
  condition: DependencyCondition
  path: ConfigPath
}

/** depends_on as a list of edges, each with the path of its entry (for positions). */
export function dependenciesOf(group: GroupEntry): Dependency[] {
  const deps = group.dependsOn
  if (!deps) return []
  const base = [...group.path, 'depends_on']
  if (Array.isArray(deps)) return deps.map((name, i) => ({group: name, condition: DEFAULTS.dependsOnCondition, path: [...base, i]}))
  return Object.entries(deps).map(([name, condition]) => ({group: name, condition, path: [...base, name]}))
}

export function checkNames(model: ConfigModel, source: ParsedSource): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const at = (path: ConfigPath, where: 'key' | 'value' = 'key') => ({file: source.file, ...source.locator.locate(path, where)})
  const seen = new Map<string, {group: string; path: ConfigPath}>()
  for (const group of model.groups) {
    for (const runner of group.runners) {
      const first = seen.get(runner.name)
      if (first) {
        const line = source.locator.locate(first.path, 'key')?.line
        issues.push({code: 'duplicate-name', ...at(runner.path), message: `duplicate runner name "${runner.name}" (also in group "${first.group}")`, hint: `runner names are unique across groups${line ? `; the first is on line ${line}` : ''}`})
      } else {
        seen.set(runner.name, {group: group.name, path: runner.path})
      }
    }
  }

  const groupNames = model.groups.map((g) => g.name)
  for (const group of model.groups) {
    for (const dep of dependenciesOf(group)) {
      if (groupNames.includes(dep.group) && dep.group !== group.name) continue
      if (dep.group === group.name) {
        issues.push({code: 'dependency-cycle', ...at(dep.path), message: `group "${group.name}" depends on itself`})
        continue
      }
      const runner = seen.get(dep.group)
      const hint = runner ? `"${dep.group}" is a runner in group "${runner.group}"; depends_on names groups` : didYouMean(dep.group, groupNames)
      issues.push({code: 'unknown-reference', ...at(dep.path), message: `depends_on names unknown group "${dep.group}"`, hint: hint ?? `groups: ${groupNames.join(', ')}`})
    }
  }

  const hostNames = [DEFAULTS.localHost, ...model.hosts.map((h) => h.name)]
  const labels = model.hosts.flatMap((h) => h.input?.labels ?? [])
  for (const host of model.hosts) {
    if (host.name === DEFAULTS.localHost && host.input?.ssh) {
      issues.push({code: 'invalid-value', ...at([...host.path, 'ssh']), message: '"local" is this machine and cannot have "ssh"', hint: 'give the remote host another name'})
    }
  }
  for (const group of model.groups) {
    for (const runner of group.runners) {
      runner.spec?.hosts?.forEach((name, i) => {
        if (hostNames.includes(name) || labels.includes(name)) return
        // A single string `hosts: web1` has no list index in the source.
        const path = Array.isArray(sourceValue(source, [...runner.path, 'hosts'])) ? [...runner.path, 'hosts', i] : [...runner.path, 'hosts']
        // Both the likely fix and what exists: a host is declared under `hosts:`, which may simply be missing.
        const known = `declared hosts: ${hostNames.filter((h) => NAME.test(h)).join(', ')}${labels.length ? `; labels: ${[...new Set(labels)].join(', ')}` : ''}`
        const guess = didYouMean(name, [...new Set([...hostNames, ...labels])])
        issues.push({code: 'unknown-reference', ...at(path, 'value'), message: `runner "${runner.name}" names host "${name}", which is not declared`, hint: guess ? `${guess} (${known})` : `${known} — declare it under "hosts:"`})
      })
    }
  }
  return issues
}

function sourceValue(source: ParsedSource, path: ConfigPath): unknown {
  let value: unknown = source.data
  for (const part of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
  return value
}

/**
 * Cycles among groups, each reported once at the depends_on entry that
 * closes it, naming the whole cycle. Then a start order (Kahn's algorithm,
 * earliest-declared first among the groups whose dependencies have started).
 */
export function orderGroups(model: ConfigModel, source: ParsedSource): {order: string[]; issues: ConfigIssue[]} {
  const names = model.groups.map((g) => g.name)
  const edges = new Map<string, Dependency[]>()
  for (const group of model.groups) edges.set(group.name, dependenciesOf(group).filter((d) => names.includes(d.group) && d.group !== group.name))

  const issues: ConfigIssue[] = []
  const reported = new Set<string>()
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (name: string): void => {
    state.set(name, 'visiting')
    stack.push(name)
    for (const dep of edges.get(name) ?? []) {
      if (state.get(dep.group) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(dep.group)), dep.group]
        const key = [...cycle.slice(0, -1)].sort().join(',')
        if (!reported.has(key)) {
          reported.add(key)
          issues.push({code: 'dependency-cycle', file: source.file, ...source.locator.locate(dep.path, 'key'), message: `dependency cycle: ${cycle.join(' → ')}`, hint: 'remove one of these depends_on entries'})
        }
      } else if (!state.has(dep.group)) {
        visit(dep.group)
      }
    }
    stack.pop()
    state.set(name, 'done')
  }
  for (const name of names) if (!state.has(name)) visit(name)

  const order: string[] = []
  const placed = new Set<string>()
  while (order.length < names.length) {
    const next = names.find((name) => !placed.has(name) && (edges.get(name) ?? []).every((d) => placed.has(d.group)))
    // With a cycle nothing is free; the cycle is an error anyway, so fall back to declaration order.
    const pick = next ?? names.find((name) => !placed.has(name))!
    placed.add(pick)
    order.push(pick)
  }
  return {order, issues}
}
