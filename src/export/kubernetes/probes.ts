// mar's probes as the kubelet's: `ready` becomes a startupProbe (the
// container is restarted when it is not ready within the probe's timeout,
// as mar fails the instance) plus a readinessProbe (the pod receives
// Service traffic only while it passes); `health` becomes a livenessProbe.
// The kubelet probes http, tcp and commands; log lines, sd_notify and a
// plain delay it cannot — those are listed, and `after` becomes the
// Deployment's minReadySeconds, the nearest thing it has.
import {formatDuration} from '../../util/format.js'
import {toArgv} from '../../supervisor/command.js'
import type {HealthSpec, InstancePlan, ProbeSpec} from '../../config/types.js'
import {describeCheck, probeTarget} from '../probe-target.js'
import type {ExportReport} from '../unexpressed.js'

export type K8sProbe = Record<string, unknown>

export interface ContainerProbes {
  startupProbe?: K8sProbe
  readinessProbe?: K8sProbe
  livenessProbe?: K8sProbe
  /** A Deployment's minReadySeconds, for `ready: {after: …}`. */
  minReadySeconds?: number
}

/** Whole seconds, at least 1: the kubelet's probe periods and timeouts have no finer unit. */
export function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}

/** The probe's handler (httpGet, tcpSocket or exec), or null with the reason it has none. */
function handler(probe: ProbeSpec, subject: string, key: string, report: ExportReport): K8sProbe | null {
  const check = probe.check
  if (check.kind === 'exec') {
    const {file, args} = toArgv(check.command)
    return {exec: {command: [file, ...args]}}
  }
  const target = probeTarget(check)
  if (!target) return null
  if (target.kind === 'tcp') return {tcpSocket: {port: target.port, ...(target.host ? {host: target.host} : {})}}
  if (target.status !== undefined) {
    report.lost(subject, `${key}.status`, `http ${key} expecting status ${target.status}`, 'the kubelet takes any status from 200 to 399 as success')
  }
  return {httpGet: {path: target.path, port: target.port, scheme: target.https ? 'HTTPS' : 'HTTP', ...(target.host ? {host: target.host} : {})}}
}

function noEquivalent(probe: ProbeSpec, subject: string, key: 'ready' | 'health', report: ExportReport): void {
  const check = probe.check
  if (key === 'ready' && check.kind === 'after') {
    report.lost(subject, 'ready', `ready after ${formatDuration(check.delayMs)}: Kubernetes has no delay probe`, `no readinessProbe; the Deployment's minReadySeconds is ${seconds(check.delayMs)}`)
    return
  }
  const why = check.kind === 'log' ? 'the kubelet cannot match output lines' : check.kind === 'notify' ? 'the kubelet has no sd_notify socket' : check.kind === 'http' ? 'the URL does not parse as http(s)' : 'no such probe'
  const instead = key === 'ready' ? 'no readinessProbe: the pod is ready once its container runs' : 'no livenessProbe: only a crash restarts the container'
  report.lost(subject, key, `${describeCheck(check)} (${why})`, instead)
}

export function containerProbes(instance: InstancePlan, subject: string, report: ExportReport): ContainerProbes {
  const probes: ContainerProbes = {}
  const ready = instance.ready
  if (ready && instance.oneshot) {
    report.lost(subject, 'ready', `${describeCheck(ready.check)} on a oneshot`, 'no probe: a Job counts as done when its container exits 0')
  } else if (ready) {
    const h = handler(ready, subject, 'ready', report)
    if (h) {
      const period = seconds(ready.intervalMs)
      // Started within the ready timeout, or restarted — mar fails an instance that is not ready in time.
      probes.startupProbe = {...h, periodSeconds: period, failureThreshold: Math.max(1, Math.ceil(ready.timeoutMs / (period * 1000)))}
      probes.readinessProbe = {...h, periodSeconds: period}
    } else {
      noEquivalent(ready, subject, 'ready', report)
      if (ready.check.kind === 'after') probes.minReadySeconds = seconds(ready.check.delayMs)
    }
  }
  const health: HealthSpec | undefined = instance.health
  if (health) {
    const h = handler(health, subject, 'health', report)
    if (h) probes.livenessProbe = {...h, periodSeconds: seconds(health.intervalMs), timeoutSeconds: seconds(health.timeoutMs), failureThreshold: health.failures}
    else noEquivalent(health, subject, 'health', report)
  }
  return probes
}
