// `mar export systemd`: a stack as native systemd units, for hosts without
// mar — one service per instance (`<stack>-<instance>.service`) and a
// `<stack>.target` that wants them all. depends_on becomes Requires=/After=
// between the instances of the groups, an ordered group an After= chain.
import {join} from 'node:path'
import {stackEnvKeys} from '../config/describe-plan.js'
import {allInstances, type InstancePlan, type StackPlan} from '../config/types.js'
import {ExitCode, MarError} from '../util/errors.js'
import {writeFilesSafely} from '../util/write-files.js'
import {buildInstanceUnit} from './instance-unit.js'
import {UNIT_NAME_MAX, comment, escapeUnitNamePart, isValidEnvName, renderUnit} from './unit-syntax.js'

type Env = Record<string, string | undefined>

export interface ExportOptions {
  /** system units (multi-user.target) or units for a user manager (default.target). */
  scope: 'system' | 'user'
  /** The shell environment the plan was made in, to tell the stack's own keys from inherited ones. */
  baseEnv: Env
  /** Inherited variables to export as well (e.g. PATH). */
  extraEnv: string[]
  /** Only instances placed on this host. */
  host?: string
  /** System units of a non-root user: run each service as that user, as mar would. */
  account?: {user: string; group: string}
}

export interface ExportedFile {
  name: string
  content: string
  /** 0600 for units holding the stack's environment values (often secrets), else 0644. */
  mode: number
}

export interface ExportResult {
  target: string
  files: ExportedFile[]
  warnings: string[]
}

function checkedUnitName(name: string): string {
  if (name.length > UNIT_NAME_MAX) throw new MarError('unit-name-too-long', `unit name ${name.slice(0, 40)}… is longer than systemd's ${UNIT_NAME_MAX} characters`, {hint: 'use a shorter stack or runner name', exitCode: ExitCode.failed})
  return name
}

export function instanceUnitName(stack: string, instance: string): string {
  return checkedUnitName(`${escapeUnitNamePart(stack)}-${escapeUnitNamePart(instance)}.service`)
}

export function targetUnitName(stack: string): string {
  return checkedUnitName(`${escapeUnitNamePart(stack)}.target`)
}

/** The variables a unit carries: those the stack sets, PORT and MAR_* always, and the ones asked for. */
function envKeysFor(instance: InstancePlan, options: ExportOptions, warnings: string[]): string[] {
  const keys = new Set(stackEnvKeys(instance, options.baseEnv))
  for (const key of Object.keys(instance.env)) if (key === 'PORT' || key.startsWith('MAR_')) keys.add(key)
  for (const key of options.extraEnv) if (key in instance.env) keys.add(key)
  return [...keys].sort().filter((key) => {
    if (isValidEnvName(key)) return true
    warnings.push(`${instance.name}: environment variable "${key}" is not a valid name for systemd; left out`)
    return false
  })
}

function checkPath(instance: InstancePlan): void {
  // WorkingDirectory= is taken as written: a line break would end it, a trailing backslash continue it.
  if (/[\x00-\x1f\x7f]/.test(instance.cwd) || instance.cwd.endsWith('\\')) {
    throw new MarError('unexportable-path', `${instance.name}: its cwd ${JSON.stringify(instance.cwd)} cannot be written as a systemd WorkingDirectory=`, {exitCode: ExitCode.failed})
  }
}

export function exportStack(plan: StackPlan, options: ExportOptions): ExportResult {
  const warnings: string[] = []
  const target = targetUnitName(plan.name)
  const all = allInstances(plan)
  const hosts = [...new Set(all.map((i) => i.host))]
  const included = (i: InstancePlan) => options.host === undefined || i.host === options.host
  if (options.host !== undefined && !plan.hosts.some((h) => h.name === options.host)) {
    throw new MarError('unknown-host', `stack ${plan.name} has no host "${options.host}"`, {hint: `hosts: ${plan.hosts.map((h) => h.name).join(', ')}`, exitCode: ExitCode.usage})
  }
  if (options.host === undefined && hosts.length > 1) {
    warnings.push(`instances are placed on ${hosts.join(', ')}; these units put them all on one machine — use --host NAME to export one host's share`)
  }
  for (const extra of options.extraEnv) if (!all.some((i) => extra in i.env)) warnings.push(`--env ${extra}: no instance has it in its environment`)

  const unitOf = (i: InstancePlan) => instanceUnitName(plan.name, i.name)
  const groupUnits = new Map(plan.groups.map((g) => [g.name, g.runners.flatMap((r) => r.instances)]))
  const files: ExportedFile[] = []
  const exported: string[] = []

  for (const name of plan.startOrder) {
    const group = plan.groups.find((g) => g.name === name)!
    const members = groupUnits.get(name)!.filter(included)
    const groupNotes: string[] = []
    if (group.restart.strategy !== 'one-for-one') {
      groupNotes.push(`group ${group.name} restart ${group.restart.strategy} is not exported: systemd restarts each unit on its own`)
    }
    const after: string[] = []
    const requires: string[] = []
    for (const dep of group.dependsOn) {
      const depInstances = groupUnits.get(dep.group) ?? []
      const present = depInstances.filter(included)
      // A oneshot that completed stays active (RemainAfterExit=yes), so Requires= holds for `completed` too.
      for (const instance of present) {
        after.push(unitOf(instance))
        requires.push(unitOf(instance))
      }
      const left = depInstances.filter((i) => !included(i))
      if (left.length > 0) groupNotes.push(`depends on ${left.map((i) => `${i.name} (host ${i.host})`).join(', ')} of group ${dep.group}, not exported with --host ${options.host}`)
    }
    let previous: InstancePlan | undefined
    for (const instance of members) {
      checkPath(instance)
      const unitName = unitOf(instance)
      // An ordered group starts one member after the other; systemd stops them in reverse by itself.
      const chain = group.strategy === 'ordered' && previous ? [unitOf(previous)] : []
      const built = buildInstanceUnit(instance, {
        stack: plan.name,
        unitName,
        targetName: target,
        configPath: plan.configPath,
        after: [...after, ...chain],
        requires,
        envKeys: envKeysFor(instance, options, warnings),
        account: options.account,
        notes: groupNotes,
      })
      warnings.push(...built.warnings)
      const hasEnv = built.sections.some((s) => s.lines.some((l) => l.startsWith('Environment=')))
      files.push({name: unitName, content: renderUnit(built.header, built.sections), mode: hasEnv ? 0o600 : 0o644})
      exported.push(unitName)
      previous = instance
    }
  }
  if (exported.length === 0) {
    throw new MarError('nothing-to-export', `stack ${plan.name} has no instances${options.host ? ` on host ${options.host}` : ''} to export`, {exitCode: ExitCode.failed})
  }

  const install = options.scope === 'user' ? 'default.target' : 'multi-user.target'
  const targetText = renderUnit(
    [
      `${target}: the mar stack ${plan.name} as native systemd units.`,
      `Generated by \`mar export systemd\` from ${plan.configPath}.`,
      `Start: systemctl${options.scope === 'user' ? ' --user' : ''} start ${target} · at boot: systemctl${options.scope === 'user' ? ' --user' : ''} enable ${target}`,
      'Stop: systemctl stop on it stops every instance (each unit is PartOf= this target).',
    ],
    [
      {name: 'Unit', lines: [`Description=${`mar stack ${plan.name}`.replaceAll('%', '%%')}`, ...exported.map((u) => `Wants=${u}`)]},
      {name: 'Install', lines: [`WantedBy=${install}`, ...(options.host ? ['', comment(`instances of host ${options.host} only`)] : [])]},
    ],
  )
  files.push({name: target, content: targetText, mode: 0o644})
  return {target, files, warnings}
}

/** Write the files into dir; existing files are an error unless `force`, and then nothing is written. */
export function writeExport(dir: string, files: readonly ExportedFile[], force: boolean): Promise<string[]> {
  return writeFilesSafely(dir, files, {force, elsewhere: 'export into another directory'})
}
