// The resolved plan as `mar validate` shows it: for people (one block per
// group in start order) and as JSON. Environment *values* never leave this
// file — only keys, since values are often secrets.
import {relative} from 'node:path'
import {formatSize} from './units.js'
import {formatDuration} from '../util/format.js'
import {placedUsage} from '../remote/placement.js'
import {isHomePath} from '../remote/remote-path.js'
import type {CommandSpec, InstancePlan, ProbeCheck, ProbeSpec, StackPlan} from './types.js'
import {isRemoteHost} from './types.js'

type Env = Record<string, string | undefined>

/** Keys the stack sets (env files, env, PORT, MAR_*), as opposed to those inherited unchanged from `base`. */
export function stackEnvKeys(instance: InstancePlan, base: Env): string[] {
  return Object.keys(instance.env)
    .filter((key) => base[key] !== instance.env[key])
    .sort()
}

/** Per host: the instances placed there and the resources they ask for, against what the host declares (null: not declared). */
export interface HostPlacementJson {
  host: string
  instances: string[]
  cpuUsed: number
  cpus: number | null
  memoryUsed: number
  memory: number | null
}

export function hostPlacement(plan: StackPlan): HostPlacementJson[] {
  return placedUsage(plan).map((u) => {
    const host = plan.hosts.find((h) => h.name === u.host)
    return {host: u.host, instances: u.instances, cpuUsed: round(u.cpu), cpus: host?.cpus ?? null, memoryUsed: u.memory, memory: host?.memory ?? null}
  })
}

const round = (n: number) => Math.round(n * 1000) / 1000

export function planToJson(plan: StackPlan, base: Env, warnings: readonly string[] = []): unknown {
  return {
    ...plan,
    groups: plan.groups.map((group) => ({
      ...group,
      runners: group.runners.map((runner) => ({
        ...runner,
        instances: runner.instances.map((instance) => ({
          ...instance,
          env: stackEnvKeys(instance, base),
          inheritedEnv: Object.keys(instance.env).length - stackEnvKeys(instance, base).length,
        })),
      })),
    })),
    placement: hostPlacement(plan),
    warnings,
  }
}

export function formatCommand(command: CommandSpec): string {
  if ('shell' in command) return command.shell
  return `[${command.argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(', ')}]`
}

/** A probe in a few words: `log /listening/`, `http http://…/health (status 204)` (also the exports' comments and warnings). */
export function formatCheck(check: ProbeCheck): string {
  switch (check.kind) {
    case 'tcp':
      return `tcp ${check.host}:${check.port}`
    case 'http':
      return `http ${check.url}${check.status === undefined ? '' : ` (status ${check.status})`}`
    case 'exec':
      return `exec ${formatCommand(check.command)}`
    case 'log':
      return `log /${check.pattern}/`
    case 'notify':
      return 'notify'
    case 'after':
      return `after ${formatDuration(check.delayMs)}`
  }
}

function formatProbe(probe: ProbeSpec & {failures?: number}, timeoutWord: string): string {
  const extra = [`${timeoutWord} ${formatDuration(probe.timeoutMs)}`, `every ${formatDuration(probe.intervalMs)}`]
  if (probe.failures !== undefined) extra.push(`restart after ${probe.failures} failures`)
  return `${formatCheck(probe.check)} (${extra.join(', ')})`
}

function shortPath(path: string, dir: string): string {
  // A remote host's path (`~/app`) is on that host: nothing to shorten against here.
  if (isHomePath(path)) return path
  const rel = relative(dir, path)
  return rel === '' ? '.' : rel.startsWith('..') ? path : `./${rel}`
}

export function describePlan(plan: StackPlan, options: {cwd: string; env: Env; warnings?: readonly string[]}): string[] {
  const lines: string[] = []
  const configShown = shortPath(plan.configPath, options.cwd)
  lines.push(`stack ${plan.name}  (${configShown}${plan.format === 'procfile' ? ', Procfile' : ''})`)
  lines.push(
    `hosts ${plan.hosts
      .map((h) => [h.name, h.ssh && `ssh ${h.ssh}`, h.dir !== undefined && `dir ${h.dir}`, h.cpus !== undefined && `${h.cpus} cpus`, h.memory !== undefined && formatSize(h.memory), h.labels.length > 0 && `labels ${h.labels.join(',')}`].filter(Boolean).join(' '))
      .join('; ')}`,
  )
  if (plan.sshConfig) lines.push(`ssh config ${plan.sshConfig}`)
  lines.push(`start order ${plan.startOrder.join(' → ')}`)
  for (const name of plan.startOrder) {
    const group = plan.groups.find((g) => g.name === name)!
    const deps = group.dependsOn.map((d) => `${d.group} (${d.condition})`).join(', ')
    const restart = `${group.restart.strategy}${group.restart.limit ? ` limit ${group.restart.limit.count}/${formatDuration(group.restart.limit.windowMs)}` : ''}`
    lines.push('', `group ${group.name}  ${group.strategy} · restart ${restart}${deps ? ` · depends on ${deps}` : ''}`)
    for (const runner of group.runners) lines.push(...describeRunner(runner.instances, runner.name, runner.scale, plan.dir, options.env, (host) => isRemoteHost(plan, host)))
  }
  lines.push('', ...describePlacement(plan))
  if (plan.notActedOn.length > 0) {
    lines.push('', 'parsed but not yet acted on:')
    for (const item of plan.notActedOn) lines.push(`  ${item.path}: ${item.reason}`)
  }
  if (options.warnings && options.warnings.length > 0) {
    lines.push('', 'warnings:')
    for (const warning of options.warnings) lines.push(`  ${warning}`)
  }
  return lines
}

/** `placement`, then per host: instances, and cpu/memory placed against declared (`2/4`, or `1.5 (not declared)`). */
function describePlacement(plan: StackPlan): string[] {
  const rows = hostPlacement(plan).map((p) => {
    const count = `${p.instances.length} instance${p.instances.length === 1 ? '' : 's'}`
    const cpu = `cpu ${p.cpuUsed}${p.cpus === null ? '' : `/${p.cpus}`}`
    const memory = `memory ${formatSize(p.memoryUsed)}${p.memory === null ? '' : `/${formatSize(p.memory)}`}`
    const undeclared = p.cpus === null && p.memory === null ? '  (capacity not declared)' : ''
    return [p.host, count, cpu, memory, undeclared]
  })
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)))
  return ['placement (resources placed / declared):', ...rows.map((r) => `  ${r.slice(0, 3).map((cell, c) => cell.padEnd(widths[c])).join('  ')}  ${r[3]}${r[4]}`)]
}

function describeRunner(instances: InstancePlan[], name: string, scale: number, dir: string, env: Env, isRemote: (host: string) => boolean): string[] {
  const first = instances[0]
  if (!first) return [`  ${name}  scale 0: no instances`]
  const pad = '      '
  const lines = [`  ${name}${scale > 1 ? ` ×${scale}` : ''}${first.oneshot ? ' (oneshot)' : ''}  ${formatCommand(first.command)}`]
  // Probes may differ per instance (they mention ${PORT}); show the first's and say so.
  const note = instances.length > 1 ? ` [${first.name}]` : ''
  if (first.ready) lines.push(`${pad}ready ${formatProbe(first.ready, 'timeout')}${note}`)
  if (first.health) lines.push(`${pad}health ${formatProbe(first.health, 'timeout')}${note}`)
  const r = first.restart
  const limit = r.limit ? `, limit ${r.limit.count}/${formatDuration(r.limit.windowMs)}` : ''
  lines.push(`${pad}restart ${r.policy} (backoff ${formatDuration(r.backoff.initialMs)}…${formatDuration(r.backoff.maxMs)} ×${r.backoff.factor}${limit}) · stop ${first.stop.signal}, SIGKILL after ${formatDuration(first.stop.timeoutMs)}${first.stop.command ? `, first ${formatCommand(first.stop.command)}` : ''}`)
  const extras = [
    first.memoryLimit !== undefined && `memory_limit ${formatSize(first.memoryLimit)}`,
    first.resources && `resources ${[first.resources.cpu !== undefined && `${first.resources.cpu} cpu`, first.resources.memory !== undefined && formatSize(first.resources.memory)].filter(Boolean).join(' ')}`,
    first.watch && `watch ${first.watch.paths.map((p) => shortPath(p, dir)).join(' ')} (debounce ${formatDuration(first.watch.debounceMs)})`,
  ].filter(Boolean)
  if (extras.length > 0) lines.push(`${pad}${extras.join(' · ')}`)
  const keys = stackEnvKeys(first, env)
  const inherited = Object.keys(first.env).length - keys.length
  // On another host only what the stack sets is sent; the host's own login environment goes under it (src/remote/share.ts).
  const onRemote = instances.length > 0 && instances.every((i) => isRemote(i.host))
  const under = onRemote ? `  (under the host's own environment)` : inherited > 0 ? `  (+${inherited} inherited)` : ''
  lines.push(`${pad}env ${keys.join(' ') || '(none set)'}${under}`)
  const width = Math.max(...instances.map((i) => i.name.length))
  for (const instance of instances) {
    const port = instance.port === undefined ? '' : `  port ${instance.port}`
    lines.push(`    ${instance.name.padEnd(width)}  host ${instance.host}${port}  cwd ${shortPath(instance.cwd, dir)}`)
  }
  return lines
}
