// One instance of a runner as a native systemd service, for
// `mar export systemd`. What systemd can do the same way is mapped
// (restart policy, stop signal and timeout, readiness by notify, a delay or
// a command, memory and CPU limits); what it cannot (http/tcp/log probes,
// health checks, watch, exponential backoff, OTP group strategies) is said in
// a comment in the unit, so a reader knows it was left out on purpose.
import {isAbsolute, resolve} from 'node:path'
import {formatCommand} from '../config/describe-plan.js'
import {formatSize} from '../config/units.js'
import {formatDuration} from '../util/format.js'
import type {CommandSpec, InstancePlan, ProbeSpec} from '../config/types.js'
import {programOf, resolveProgram, toArgv} from '../supervisor/command.js'
import {comment, escapeSpecifiers, execLine, quoteEnvAssignment, timespan, type UnitSection} from './unit-syntax.js'

export interface InstanceUnitContext {
  stack: string
  unitName: string
  targetName: string
  configPath: string
  /** Units this one starts after (dependencies, the previous member of an ordered group). */
  after: string[]
  /** Units this one cannot run without (depends_on). */
  requires: string[]
  /** Environment keys to write, already chosen (stack-set keys, PORT, MAR_*, --env). */
  envKeys: string[]
  /** System units of a non-root user: whom the service runs as, like under mar. */
  account?: {user: string; group: string}
  /** Comments about the group (strategies systemd lacks, dependencies left out). */
  notes: string[]
}

export interface InstanceUnit {
  header: string[]
  sections: UnitSection[]
  /** Things the user should know at export time (a program not found, …). */
  warnings: string[]
}

function sec(ms: number): string {
  // sleep(1) takes seconds; GNU and busybox sleep both accept fractions.
  return String(Math.round(ms) / 1000)
}

/** ExecStart's argv: mar's own (sh -c for strings, with exec for simple ones), with the program made absolute when it can be found. */
function startArgv(instance: InstancePlan, warnings: string[]): string[] {
  const {file, args} = toArgv(instance.command)
  if (isAbsolute(file)) return [file, ...args]
  const found = resolveProgram(file, instance.env, instance.cwd)
  if (found) return [found, ...args]
  if (file.includes('/')) {
    // systemd needs an absolute path for anything that is not a bare name.
    warnings.push(`${instance.name}: ${file} not found in ${instance.cwd}; written as ${resolve(instance.cwd, file)}`)
    return [resolve(instance.cwd, file), ...args]
  }
  warnings.push(`${instance.name}: ${file} not found in PATH; systemd will look for it in its own PATH`)
  return [file, ...args]
}

/** Where systemd looks for programs when the unit sets no PATH (its compiled-in default). */
const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** A shell command whose program only the stack's PATH finds (nvm, ~/.local/bin…) fails under systemd's PATH. */
function checkShellPath(instance: InstancePlan, envKeys: string[], warnings: string[]): void {
  if (!('shell' in instance.command) || envKeys.includes('PATH')) return
  const program = programOf(instance.command)
  if (program === null || program.includes('/')) return
  const found = resolveProgram(program, instance.env, instance.cwd)
  if (found && !resolveProgram(program, {PATH: SYSTEMD_PATH}, instance.cwd)) {
    warnings.push(`${instance.name}: ${program} is ${found}, outside systemd's default PATH; export with --env PATH`)
  }
}

/** A readiness command as an ExecStartPost= loop: the unit counts as started once it succeeds. */
function readyLoop(command: CommandSpec, intervalMs: number): string[] {
  const pause = `sleep ${sec(intervalMs)}`
  if ('shell' in command) return ['/bin/sh', '-c', `until /bin/sh -c "$1"; do ${pause}; done`, 'mar-ready', command.shell]
  return ['/bin/sh', '-c', `until "$@"; do ${pause}; done`, 'mar-ready', ...command.argv]
}

function readiness(instance: InstancePlan, service: string[], notes: string[]): void {
  const ready = instance.ready
  if (instance.oneshot) {
    // Started means finished for a oneshot; mar sets no time limit on it.
    service.push('Type=oneshot', 'RemainAfterExit=yes', 'TimeoutStartSec=infinity')
    if (ready) notes.push(`ready: ${describeProbe(ready)} is not exported: a oneshot counts as done when it exits 0`)
    return
  }
  if (ready?.check.kind === 'notify') {
    // mar accepts READY=1 from any process of the instance (a shell may wrap the program).
    service.push('Type=notify', 'NotifyAccess=all', `TimeoutStartSec=${timespan(ready.timeoutMs)}`)
    return
  }
  // Type=exec: started once the program runs (a missing program is a failed start), as mar without a probe.
  service.push('Type=exec')
  if (!ready) return
  if (ready.check.kind === 'after') {
    service.push(`ExecStartPost=${execLine(['/bin/sleep', sec(ready.check.delayMs)])}`, `TimeoutStartSec=${timespan(ready.timeoutMs)}`)
  } else if (ready.check.kind === 'exec') {
    service.push(`ExecStartPost=${execLine(readyLoop(ready.check.command, ready.intervalMs))}`, `TimeoutStartSec=${timespan(ready.timeoutMs)}`)
  } else {
    notes.push(`ready: ${describeProbe(ready)} is not exported: systemd has no such readiness check; the unit counts as started once the program runs`)
  }
}

function describeProbe(probe: ProbeSpec): string {
  const check = probe.check
  switch (check.kind) {
    case 'tcp':
      return `tcp ${check.host}:${check.port}`
    case 'http':
      return `http ${check.url}`
    case 'log':
      return `log /${check.pattern}/`
    case 'exec':
      return `exec ${formatCommand(check.command)}`
    case 'after':
      return `after ${formatDuration(check.delayMs)}`
    case 'notify':
      return 'notify'
  }
}

function restart(instance: InstancePlan, unit: string[], service: string[], notes: string[]): void {
  const {policy, backoff, limit} = instance.restart
  // systemd refuses Restart=always for Type=oneshot; on-failure is what a oneshot's "always" can mean.
  const mapped = policy === 'never' ? 'no' : instance.oneshot ? 'on-failure' : policy
  service.push(`Restart=${mapped}`)
  if (mapped === 'no') return
  service.push(`RestartSec=${timespan(backoff.initialMs)}`)
  if (backoff.factor !== 1 && backoff.maxMs > backoff.initialMs) {
    notes.push(`restart backoff ${formatDuration(backoff.initialMs)}…${formatDuration(backoff.maxMs)} ×${backoff.factor} is not exported: systemd before 254 restarts after a fixed RestartSec= (254+: RestartSteps=, RestartMaxDelaySec=)`)
  }
  if (limit) {
    // mar's limit counts restarts, systemd's burst counts starts: the first start is one more.
    unit.push(`StartLimitIntervalSec=${timespan(limit.windowMs)}`, `StartLimitBurst=${limit.count + 1}`)
  } else {
    // No limit in mar means restart forever; systemd would give up after 5 starts in 10s.
    unit.push('StartLimitIntervalSec=0')
  }
}

export function buildInstanceUnit(instance: InstancePlan, ctx: InstanceUnitContext): InstanceUnit {
  const warnings: string[] = []
  const notes: string[] = []
  const unit: string[] = [`Description=${escapeSpecifiers(`${ctx.stack} ${instance.name} (mar stack ${ctx.stack}, group ${instance.group})`)}`, `PartOf=${ctx.targetName}`]
  // Ordering and requirement lists: one unit a line keeps diffs readable.
  for (const name of ctx.after) unit.push(`After=${name}`)
  for (const name of ctx.requires) unit.push(`Requires=${name}`)

  const service: string[] = []
  readiness(instance, service, notes)
  service.push(`ExecStart=${execLine(startArgv(instance, warnings))}`)
  checkShellPath(instance, ctx.envKeys, warnings)
  service.push(`WorkingDirectory=${escapeSpecifiers(instance.cwd)}`)
  for (const key of ctx.envKeys) service.push(`Environment=${quoteEnvAssignment(key, instance.env[key] ?? '')}`)
  service.push(`SyslogIdentifier=${escapeSpecifiers(ctx.unitName.replace(/\.service$/, ''))}`)
  restart(instance, unit, service, notes)

  // The stop signal goes to every process of the unit's cgroup (KillMode=control-group,
  // the default), then SIGKILL after the timeout: no orphan survives, as under mar.
  service.push(`KillSignal=${instance.stop.signal}`, `TimeoutStopSec=${timespan(instance.stop.timeoutMs)}`)
  if (instance.stop.command) service.push(`ExecStop=${execLine(stopArgv(instance))}`)

  if (instance.memoryLimit !== undefined) {
    notes.push(`memory_limit ${formatSize(instance.memoryLimit)} is MemoryMax=: the kernel reclaims and OOM-kills at the limit (mar restarts when RSS stays above it), then Restart= applies`)
    service.push(`MemoryMax=${instance.memoryLimit}`)
  }
  if (instance.resources?.cpu !== undefined) service.push(`CPUQuota=${Math.max(1, Math.round(instance.resources.cpu * 100))}%`)
  if (instance.resources?.memory !== undefined) notes.push(`resources.memory ${formatSize(instance.resources.memory)} is a placement request for mar; not exported`)
  if (ctx.account) service.push(`User=${escapeSpecifiers(ctx.account.user)}`, `Group=${escapeSpecifiers(ctx.account.group)}`)

  if (instance.health) notes.push(`health: ${describeProbe(instance.health)} every ${formatDuration(instance.health.intervalMs)} is not exported: systemd has no liveness probes`)
  if (instance.watch) notes.push(`watch: restarting on file changes is not exported (a .path unit could do it)`)
  notes.push(`output goes to the journal (journalctl -u ${ctx.unitName}); log rotation is journald's, log.max_size/keep are not exported`)

  const header = [
    `${ctx.unitName}: instance ${instance.name} of runner ${instance.runner}, stack ${ctx.stack}.`,
    `Generated by \`mar export systemd\` from ${ctx.configPath}; \`systemctl start ${ctx.targetName}\` starts the whole stack.`,
    `mar command: ${formatCommand(instance.command)}`,
    ...(instance.host !== 'local' ? [`placed on host ${instance.host} by mar`] : []),
  ]
  const noteLines = [...ctx.notes, ...notes].map(comment)
  return {header, sections: [{name: 'Unit', lines: unit}, {name: 'Service', lines: [...service, ...(noteLines.length > 0 ? ['', ...noteLines] : [])]}], warnings}
}

function stopArgv(instance: InstancePlan): string[] {
  const {file, args} = toArgv(instance.stop.command!)
  const found = isAbsolute(file) ? file : resolveProgram(file, instance.env, instance.cwd) ?? (file.includes('/') ? resolve(instance.cwd, file) : file)
  return [found, ...args]
}
