// A runner's port and probes as a Nomad service: `port` becomes a static
// port of the task group's network (PORT is the same on every allocation),
// `ready` a check that gates the deployment's health, `health` a check with
// check_restart (restart after `failures` failures). http and tcp checks
// work with either service provider; an exec probe is a script check, which
// only Consul runs. A probe on a port other than `port` reserves that port too.
import {DEFAULTS} from '../../config/defaults.js'
import {toArgv} from '../../supervisor/command.js'
import type {InstancePlan, ProbeSpec} from '../../config/types.js'
import {dnsLabel, portLabel} from '../names.js'
import {describeCheck, probeTarget} from '../probe-target.js'
import type {ExportReport} from '../unexpressed.js'
import {nanoseconds, type NomadObject} from './units.js'

export type ServiceProvider = 'nomad' | 'consul'

export interface Port {
  Label: string
  Value: number
}

export interface TaskService {
  service?: NomadObject
  ports: Port[]
  /** The ready probe's timeout, when it became a check: the task group's healthy deadline. */
  readyTimeoutMs?: number
}

const SECOND = 1000

function check(probe: ProbeSpec, key: 'ready' | 'health', ctx: {instance: InstancePlan; subject: string; provider: ServiceProvider; port: (n: number) => string}, report: ExportReport): NomadObject | null {
  const c = probe.check
  const interval = nanoseconds(Math.max(SECOND, probe.intervalMs))
  // A readiness probe's timeout is how long mar waits for it overall; one check gets mar's per-check default.
  const timeout = nanoseconds(Math.max(SECOND, key === 'health' ? probe.timeoutMs : DEFAULTS.health.timeoutMs))
  const base: NomadObject = {Name: key, Interval: interval, Timeout: timeout}
  if (c.kind === 'exec') {
    if (ctx.provider !== 'consul') {
      report.lost(ctx.subject, key, `${describeCheck(c)} (a command)`, 'no check: Nomad runs script checks only with --service-provider consul')
      return null
    }
    const {file, args} = toArgv(c.command)
    return {...base, Type: 'script', Command: file, Args: args}
  }
  const target = probeTarget(c)
  if (!target) {
    const why = c.kind === 'log' ? 'Nomad cannot match output lines' : c.kind === 'notify' ? 'Nomad has no sd_notify socket' : c.kind === 'after' ? 'Nomad has no delay check' : 'the URL does not parse as http(s)'
    report.lost(ctx.subject, key, `${describeCheck(c)} (${why})`, key === 'ready' ? 'no check: the allocation counts as healthy once its tasks run' : 'no check: only a crash restarts the task')
    return null
  }
  if (target.host) {
    report.lost(ctx.subject, key, `${describeCheck(c)} (another host)`, "no check: Nomad checks a service's own address")
    return null
  }
  if (target.kind === 'tcp') return {...base, Type: 'tcp', PortLabel: ctx.port(target.port)}
  if (target.status !== undefined) report.lost(ctx.subject, `${key}.status`, `http ${key} expecting status ${target.status}`, 'Nomad takes any 2xx as passing')
  return {...base, Type: 'http', Path: target.path, Protocol: target.https ? 'https' : 'http', PortLabel: ctx.port(target.port)}
}

export function taskService(input: {stack: string; instance: InstancePlan; subject: string; provider: ServiceProvider; oneshot: boolean}, report: ExportReport): TaskService {
  const {instance, subject} = input
  const ports: Port[] = []
  const own = portLabel(instance.runner)
  if (instance.port !== undefined) ports.push({Label: own, Value: instance.port})
  const port = (n: number): string => {
    if (n === instance.port) return own
    const label = `${own}_${n}`
    if (!ports.some((p) => p.Label === label)) ports.push({Label: label, Value: n})
    return label
  }
  if (input.oneshot) {
    if (instance.ready) report.lost(subject, 'ready', `${describeCheck(instance.ready.check)} on a oneshot`, 'no check: a lifecycle task counts as done when it exits 0')
    if (instance.health) report.lost(subject, 'health', `${describeCheck(instance.health.check)} on a oneshot`, 'no check: a oneshot is not watched while it runs')
    return {ports}
  }
  const ctx = {instance, subject, provider: input.provider, port}
  const checks: NomadObject[] = []
  const result: TaskService = {ports}
  if (instance.ready) {
    const ready = check(instance.ready, 'ready', ctx, report)
    if (ready) {
      checks.push(ready)
      result.readyTimeoutMs = instance.ready.timeoutMs
    }
  }
  if (instance.health) {
    const health = check(instance.health, 'health', ctx, report)
    if (health) {
      // While the instance is still becoming ready, failures of the liveness check do not count.
      const grace = instance.ready ? {Grace: nanoseconds(instance.ready.timeoutMs)} : {}
      checks.push({...health, CheckRestart: {Limit: instance.health.failures, ...grace}})
    }
  }
  if (checks.length === 0 && ports.length === 0) return result
  const service: NomadObject = {Name: dnsLabel(`${input.stack}-${instance.runner}`), Provider: input.provider}
  const servicePort = ports[0]?.Label
  if (servicePort) service.PortLabel = servicePort
  if (checks.length > 0) service.Checks = checks
  result.service = service
  return result
}
