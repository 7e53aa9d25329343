// A parsed config file → the StackPlan the rest of mar runs: validated,
// defaulted, interpolated, expanded into instances and placed on hosts.
// Every check runs even when others failed, so one run reports them all.
import {basename, isAbsolute, resolve} from 'node:path'
import {placeInstances, type PlacementHost} from '../remote/placement.js'
import {expandHome, hostDir, isHomePath} from '../remote/remote-path.js'
import {DEFAULTS} from './defaults.js'
import {loadEnvFiles} from './env-files.js'
import {checkNames, dependenciesOf, orderGroups} from './graph.js'
import {buildModel, type ConfigModel} from './model.js'
import {listNotActedOn} from './not-acted-on.js'
import {isListAt, planRunner} from './plan-runner.js'
import {findLayoutMistakes} from './layout-hints.js'
import {issueAt, resolveText, type PlanContext} from './resolve.js'
import {excerpt, sortIssues} from './issues.js'
import {LIMITS} from './limits.js'
import {Config} from './schema.js'
import {issuesFromZod} from './zod-issues.js'
import type {ConfigIssue, GroupPlan, HostPlan, StackPlan} from './types.js'
import type {ConfigPath, ParsedSource} from './source.js'

export interface PlanOptions {
  format: StackPlan['format']
  /** The environment mar runs in: the base of every child's environment. */
  env: Record<string, string | undefined>
  cwd: string
  /** Scale of some runners for this session (the TUI's `+`/`-`, the daemon's `scale`): it wins over the file's. */
  scale?: Record<string, number>
}

export type PlanResult =
  | {
      ok: true
      plan: StackPlan
      warnings: string[]
      inputs: Array<[file: string, text: string | null]>
      /** Where each runner's command is written, "file:line" (for warnings about the program, src/cli/command-checks.ts). */
      commandAt: Record<string, string>
    }
  | {ok: false; errors: ConfigIssue[]}

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export function planStack(source: ParsedSource, options: PlanOptions): PlanResult {
  const dir = resolve(source.file, '..')
  const ctx: PlanContext = {source, dir, issues: [], warnings: [], inputs: new Map()}
  const isMap = typeof source.data === 'object' && source.data !== null && !Array.isArray(source.data)
  if (isMap) {
    const parsed = Config.safeParse(source.data)
    const schemaIssues = parsed.success ? [] : parsed.error.issues
    // Keys at the wrong indentation: one line naming the mistake instead of the schema's view of its result.
    const layout = options.format === 'mar.yaml' ? findLayoutMistakes(source, Config, schemaIssues) : {issues: [], covered: []}
    ctx.issues.push(...layout.issues, ...issuesFromZod(schemaIssues, source, Config, [], layout.covered))
  }
  const {model, issues: modelIssues} = buildModel(source)
  for (const group of model.groups) for (const entry of group.runners) if (entry.spec && options.scale && Object.hasOwn(options.scale, entry.name)) entry.spec = {...entry.spec, scale: options.scale[entry.name]}
  ctx.issues.push(...modelIssues, ...checkNames(model, source))
  const {order, issues: orderIssues} = orderGroups(model, source)
  ctx.issues.push(...orderIssues)

  const base: Record<string, string> = {}
  for (const [key, value] of Object.entries(options.env)) if (value !== undefined) base[key] = value
  const implicit = model.top.env_file === undefined
  const topFiles = loadEnvFiles(ctx, model.top.env_file ?? [DEFAULTS.envFile], ['env_file'], base, {implicit, list: isListAt(ctx, ['env_file'])})
  const topEnv: Record<string, string> = {}
  const topScope = {...base, ...topFiles}
  for (const [key, value] of Object.entries(model.top.env ?? {})) topEnv[key] = resolveText(ctx, value, ['env', key], topScope)
  const topVars = {...base, ...topFiles, ...topEnv}
  const topKeys = [...new Set([...Object.keys(topFiles), ...Object.keys(topEnv)])]

  const stack = stackName(ctx, model, topVars, dir)
  const hosts = planHosts(ctx, model, topVars, options.env.HOME)
  const placements = placeAll(ctx, model, hosts)
  const hostsByName = new Map(hosts.map((h) => [h.name, h]))
  const groups: GroupPlan[] = model.groups.map((group) => ({
    name: group.name,
    strategy: group.strategy ?? DEFAULTS.strategy,
    restart: groupRestart(group.restart),
    // `[db, db]` means db once (and keeps the daemon's bound of one entry per group).
    dependsOn: [...new Map(dependenciesOf(group).reverse().map(({group: name, condition}) => [name, {group: name, condition}])).values()].reverse(),
    runners: group.runners.flatMap((entry) => planRunner(ctx, entry, placements[entry.name] ?? [], {stack, topVars, topKeys, hosts: hostsByName}) ?? []),
  }))

  const remote = new Set(hosts.filter((h) => h.ssh).flatMap((h) => [h.name, ...h.labels]))
  const sshConfig = resolveSshConfig(ctx, model, topVars, options)
  const plan: StackPlan = {
    name: stack,
    configPath: source.file,
    dir,
    format: options.format,
    groups,
    startOrder: order,
    hosts,
    notActedOn: listNotActedOn(model, remote),
  }
  if (sshConfig) plan.sshConfig = sshConfig
  if (model.top.image !== undefined) plan.image = resolveText(ctx, model.top.image, ['image'], topVars)
  warnPortOverlaps(ctx, groups)
  const errors = dedupe(ctx.issues)
  if (errors.length > 0) return {ok: false, errors}
  const commandAt: Record<string, string> = {}
  for (const entry of model.groups.flatMap((g) => g.runners)) {
    const line = source.locator.locate(entry.cmdPath)?.line
    commandAt[entry.name] = line === undefined ? source.file : `${source.file}:${line}`
  }
  return {ok: true, plan, warnings: ctx.warnings, inputs: [...ctx.inputs!], commandAt}
}

function stackName(ctx: PlanContext, model: ConfigModel, vars: Record<string, string>, dir: string): string {
  // The directory's name, cut to a name's length: a path component under MAR_HOME.
  if (model.top.name === undefined) return basename(dir).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, LIMITS.nameChars) || 'stack'
  const name = resolveText(ctx, model.top.name, ['name'], vars)
  if (!STACK_NAME.test(name)) issueAt(ctx, ['name'], 'invalid-value', `invalid stack name "${excerpt(name)}"`, 'use letters, digits, ".", "-" and "_"')
  else if (name.length > LIMITS.nameChars) issueAt(ctx, ['name'], 'invalid-value', `the stack name has ${name.length} characters; at most ${LIMITS.nameChars}`, 'it names a directory under MAR_HOME')
  return name
}

function planHosts(ctx: PlanContext, model: ConfigModel, vars: Record<string, string>, home: string | undefined): HostPlan[] {
  const declaredLocal = model.hosts.find((h) => h.name === DEFAULTS.localHost)?.input
  const local: HostPlan = {name: DEFAULTS.localHost, labels: declaredLocal?.labels ?? []}
  if (declaredLocal?.dir !== undefined) local.dir = planHostDir(ctx, {name: DEFAULTS.localHost, path: ['hosts', DEFAULTS.localHost]}, resolveText(ctx, declaredLocal.dir, ['hosts', DEFAULTS.localHost, 'dir'], vars), false, home)
  if (declaredLocal?.cpus !== undefined) local.cpus = declaredLocal.cpus
  if (declaredLocal?.memory !== undefined) local.memory = declaredLocal.memory
  const others = model.hosts.flatMap((entry): HostPlan[] => {
    if (entry.name === DEFAULTS.localHost || !entry.input) return []
    const host: HostPlan = {name: entry.name, labels: entry.input.labels ?? []}
    if (entry.input.ssh !== undefined) {
      host.ssh = resolveText(ctx, entry.input.ssh, [...entry.path, 'ssh'], vars)
      const problem = sshDestinationProblem(host.ssh)
      if (problem) issueAt(ctx, [...entry.path, 'ssh'], 'invalid-value', `host "${entry.name}": ssh destination "${excerpt(host.ssh)}" ${problem}`, 'write user@host, host or an alias from your ssh config')
    }
    if (entry.input.dir !== undefined) host.dir = planHostDir(ctx, entry, resolveText(ctx, entry.input.dir, [...entry.path, 'dir'], vars), Boolean(host.ssh), home)
    if (entry.input.cpus !== undefined) host.cpus = entry.input.cpus
    if (entry.input.memory !== undefined) host.memory = entry.input.memory
    return [host]
  })
  return [local, ...others]
}

/**
 * Why ssh would not take `destination` as the host to reach, or null. It is
 * one argument after `--`, yet a leading "-" is refused too: whatever reads
 * it next (ssh's own config, a ProxyCommand with %h, a user copying it to a
 * shell) must never see an option or a word break, and no real host needs one.
 */
export function sshDestinationProblem(destination: string): string | null {
  if (destination.startsWith('-')) return 'starts with "-", which ssh would read as an option'
  if (/[\x00-\x1f\x7f-\x9f]/.test(destination)) return 'contains a control character'
  if (/\s/.test(destination)) return 'contains whitespace'
  return null
}

/**
 * A host's `dir:`. On a remote host: absolute, `~` or `~/…`, or relative to
 * the remote home (src/remote/remote-path.ts). On this machine: relative to
 * the config file's directory, like a runner's cwd.
 */
function planHostDir(ctx: PlanContext, entry: {name: string; path: ConfigPath}, dir: string, remote: boolean, home: string | undefined): string {
  const at = [...entry.path, 'dir']
  if (/[\x00-\x1f\x7f]/.test(dir)) issueAt(ctx, at, 'invalid-value', `host "${entry.name}": dir contains a control character`)
  if (remote) {
    if (/^~[^/]/.test(dir)) issueAt(ctx, at, 'invalid-value', `host "${entry.name}": dir "${excerpt(dir)}" names another user's home`, 'write an absolute path, or ~/… for the home of the user ssh logs in as')
    return hostDir(dir)
  }
  return isHomePath(dir) && home ? expandHome(dir, home) : resolve(ctx.dir, dir)
}

function placeAll(ctx: PlanContext, model: ConfigModel, hosts: HostPlan[]): Record<string, string[]> {
  const known = new Set(hosts.flatMap((h) => [h.name, ...h.labels]))
  const entries = model.groups.flatMap((g) => g.runners).flatMap((entry) => {
    const runner = entry.spec
    // Unknown host names are already reported by checkNames.
    return runner && (runner.hosts ?? []).every((name) => known.has(name)) ? [{entry, runner}] : []
  })
  const {placements, failures} = placeInstances(
    entries.map(({entry, runner}) => ({runner: entry.name, scale: runner.scale ?? DEFAULTS.scale, hosts: runner.hosts ?? DEFAULTS.hosts, resources: runner.resources})),
    hosts as PlacementHost[],
  )
  for (const failure of failures) {
    const {entry, runner} = entries.find((e) => e.entry.name === failure.runner)!
    const key = runner.resources ? 'resources' : runner.scale !== undefined ? 'scale' : undefined
    issueAt(ctx, key ? [...entry.path, key] : entry.path, 'placement', failure.message, 'lower scale or resources, or declare more capacity or hosts', 'key')
  }
  return placements
}

function groupRestart(restart: ConfigModel['groups'][number]['restart']): GroupPlan['restart'] {
  if (restart === undefined) return {strategy: DEFAULTS.groupRestart}
  if (typeof restart === 'string') return {strategy: restart}
  const plan: GroupPlan['restart'] = {strategy: restart.strategy ?? DEFAULTS.groupRestart}
  if (restart.limit) plan.limit = restart.limit
  return plan
}

/** MAR_SSH_CONFIG (for this invocation) wins over the file's ssh_config (for the project). */
function resolveSshConfig(ctx: PlanContext, model: ConfigModel, vars: Record<string, string>, options: PlanOptions): string | undefined {
  const home = options.env.HOME
  const expand = (path: string, against: string) => (path.startsWith('~/') && home ? resolve(home, path.slice(2)) : isAbsolute(path) ? path : resolve(against, path))
  const fromEnv = options.env.MAR_SSH_CONFIG
  if (fromEnv) return expand(fromEnv, options.cwd)
  if (model.top.ssh_config === undefined) return undefined
  return expand(resolveText(ctx, model.top.ssh_config, ['ssh_config'], vars), ctx.dir)
}

/** Two instances on one host with the same port is almost always a mistake, but not always (SO_REUSEPORT). */
function warnPortOverlaps(ctx: PlanContext, groups: GroupPlan[]): void {
  const taken = new Map<string, string>()
  for (const instance of groups.flatMap((g) => g.runners.flatMap((r) => r.instances))) {
    if (instance.port === undefined) continue
    const key = `${instance.host}:${instance.port}`
    const other = taken.get(key)
    if (other) ctx.warnings.push(`${instance.name} and ${other} both get PORT ${instance.port} on host ${instance.host}`)
    else taken.set(key, instance.name)
  }
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>()
  const unique = issues.filter((issue) => {
    const key = `${issue.file}:${issue.line}:${issue.column}:${issue.code}:${issue.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  return sortIssues(unique)
}
