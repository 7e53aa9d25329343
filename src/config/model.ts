// The validated pieces of a config, with where each came from. Built even
// when other parts of the file are invalid ("salvaged" piece by piece), so
// reference, cycle and interpolation checks still run and a user sees all
// of a file's errors in one run instead of fixing them one at a time.
import type {z} from 'zod'
import {Config, Group, Host, Runner, RunnerObject, type ConfigInput, type GroupInput, type HostInput, type RunnerObjectInput} from './schema.js'
import {DEFAULTS} from './defaults.js'
import {LIMITS} from './limits.js'
import type {ConfigIssue} from './types.js'
import type {ConfigPath, ParsedSource} from './source.js'

/** A runner's valid keys; `cmd` may be missing when it was invalid (already reported). */
export type RunnerSpec = Omit<RunnerObjectInput, 'cmd'> & {cmd?: RunnerObjectInput['cmd']}

export interface RunnerEntry {
  name: string
  group: string
  path: ConfigPath
  /** Where the command is: `…/cmd`, or the runner itself in the short form `web: node server.js`. */
  cmdPath: ConfigPath
  /** Undefined when the runner is not even a map, string or list. */
  spec?: RunnerSpec
}

export interface GroupEntry {
  name: string
  /** [] for the short form's implicit group. */
  path: ConfigPath
  strategy?: GroupInput['strategy']
  restart?: GroupInput['restart']
  dependsOn?: GroupInput['depends_on']
  runners: RunnerEntry[]
}

export interface HostEntry {
  name: string
  path: ConfigPath
  input?: HostInput
}

export interface ConfigModel {
  top: Partial<Pick<ConfigInput, 'name' | 'env_file' | 'env' | 'ssh_config' | 'image'>>
  groups: GroupEntry[]
  hosts: HostEntry[]
}

function pick<T extends z.ZodType>(schema: T, value: unknown): z.output<T> | undefined {
  if (value === undefined) return undefined
  const result = schema.safeParse(value)
  return result.success ? result.data : undefined
}

/** Keep every valid key of a runner, so its other keys are still checked when one is wrong. */
function runnerSpec(raw: unknown, path: ConfigPath): {spec?: RunnerSpec; cmdPath: ConfigPath} {
  if (!isMap(raw)) {
    const cmd = pick(Runner, raw) as RunnerSpec['cmd']
    return {spec: raw === undefined || raw === null ? undefined : cmd === undefined ? {} : {cmd}, cmdPath: path}
  }
  const cmdPath = [...path, 'cmd']
  const full = pick(RunnerObject, raw)
  if (full) return {spec: full, cmdPath}
  const spec: Record<string, unknown> = {}
  const shape = RunnerObject.shape as Record<string, z.ZodType>
  for (const key of Object.keys(shape)) {
    const value = pick(shape[key], raw[key])
    if (value !== undefined) spec[key] = value
  }
  return {spec: spec as RunnerSpec, cmdPath}
}

/** Groups and hosts a stack may have (the daemon's bounds), and runners: each one has an instance at least once planned. */
export const MAX_GROUPS = 1000
export const MAX_HOSTS = 999
export const MAX_RUNNERS = LIMITS.instances

/** Past a bound: one issue, and only what fits goes on (the graph steps are quadratic in groups). */
function boundModel(groups: GroupEntry[], hosts: HostEntry[], at: (path: ConfigPath) => Omit<ConfigIssue, 'code' | 'message'>): {model: Pick<ConfigModel, 'groups' | 'hosts'>; issues: ConfigIssue[]} {
  const issues: ConfigIssue[] = []
  if (groups.length > MAX_GROUPS) issues.push({code: 'too-large', ...at(groups[MAX_GROUPS].path), message: `a stack has at most ${MAX_GROUPS} groups; this one has ${groups.length}`})
  if (hosts.length > MAX_HOSTS) issues.push({code: 'too-large', ...at(hosts[MAX_HOSTS].path), message: `a stack has at most ${MAX_HOSTS} hosts besides local; this one has ${hosts.length}`})
  let runners = 0
  let told = false
  const kept = groups.slice(0, MAX_GROUPS).map((group) => {
    const room = Math.max(0, MAX_RUNNERS - runners)
    runners += group.runners.length
    if (group.runners.length > room && !told) {
      told = true
      issues.push({code: 'too-large', ...at(group.runners[room].path), message: `a stack has at most ${MAX_RUNNERS} runners`})
    }
    return group.runners.length > room ? {...group, runners: group.runners.slice(0, room)} : group
  })
  return {model: {groups: kept, hosts: hosts.slice(0, MAX_HOSTS)}, issues}
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Build the model from the raw data; issues for a file with no runners or with both forms. */
export function buildModel(source: ParsedSource): {model: ConfigModel; issues: ConfigIssue[]} {
  const data = isMap(source.data) ? source.data : {}
  const issues: ConfigIssue[] = []
  const shape = Config.shape
  const top: ConfigModel['top'] = {
    name: pick(shape.name, data.name),
    env_file: pick(shape.env_file, data.env_file),
    env: pick(shape.env, data.env),
    ssh_config: pick(shape.ssh_config, data.ssh_config),
    image: pick(shape.image, data.image),
  }

  const hosts: HostEntry[] = isMap(data.hosts)
    ? Object.entries(data.hosts).map(([name, value]) => ({name, path: ['hosts', name], input: pick(Host, value)}))
    : []

  const runnersOf = (value: unknown, group: string, base: ConfigPath): RunnerEntry[] =>
    isMap(value) ? Object.entries(value).map(([name, raw]) => ({name, group, path: [...base, name], ...runnerSpec(raw, [...base, name])})) : []

  const groups: GroupEntry[] = []
  if (isMap(data.groups)) {
    for (const [name, raw] of Object.entries(data.groups)) {
      const g = isMap(raw) ? raw : {}
      groups.push({
        name,
        path: ['groups', name],
        strategy: pick(Group.shape.strategy, g.strategy),
        restart: pick(Group.shape.restart, g.restart),
        dependsOn: pick(Group.shape.depends_on, g.depends_on),
        runners: runnersOf(g.runners, name, ['groups', name, 'runners']),
      })
    }
  }
  const at = (path: ConfigPath) => ({file: source.file, ...source.locator.locate(path, 'key')})
  if (data.runners !== undefined && data.groups !== undefined) {
    issues.push({code: 'invalid-value', ...at(['runners']), message: 'use either top-level "runners:" (short form) or "groups:", not both', hint: 'move these runners into a group'})
  } else if (data.runners !== undefined) {
    groups.push({name: DEFAULTS.defaultGroup, path: [], runners: runnersOf(data.runners, DEFAULTS.defaultGroup, ['runners'])})
  } else if (data.groups === undefined && isMap(source.data)) {
    issues.push({code: 'missing-key', ...at([]), message: 'no runners: add "groups:" or a top-level "runners:" map', hint: 'run `mar init` for a commented example'})
  }
  if (!isMap(source.data)) {
    const what = source.data === null || source.data === undefined ? 'the file is empty' : 'the file must be a map of keys'
    issues.push({code: source.data == null ? 'missing-key' : 'invalid-type', file: source.file, line: 1, column: 1, message: `${what}: expected "groups:" or "runners:"`, hint: 'run `mar init` for a commented example'})
  }
  const bounded = boundModel(groups, hosts, at)
  return {model: {top, ...bounded.model}, issues: [...issues, ...bounded.issues]}
}
