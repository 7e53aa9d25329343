// One runner's objects: a ConfigMap of its environment, a Secret holding
// the names (never the values) of its secret-looking variables, a
// Deployment (replicas = scale) or, for a oneshot, a Job, and a Service when
// it has a port. mar's restart policy becomes what each allows: a
// Deployment's pods always restart; a Job's retry on failure or never.
import {isDefaultBackoff} from '../unexported-keys.js'
import {formatDuration} from '../../util/format.js'
import type {InstancePlan, RunnerPlan} from '../../config/types.js'
import type {ExportReport} from '../unexpressed.js'
import type {K8sObject} from './container.js'

export interface Meta {
  name: string
  namespace: string
  labels: Record<string, string>
}

export function metadata(meta: Meta, name = meta.name): K8sObject {
  return {name, namespace: meta.namespace, labels: meta.labels}
}

export function configMap(meta: Meta, name: string, data: Record<string, string>): K8sObject {
  return {apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(meta, name), data}
}

/** Placeholders only: the values stay wherever the team keeps them. */
export function secret(meta: Meta, name: string, keys: readonly string[]): K8sObject {
  return {apiVersion: 'v1', kind: 'Secret', metadata: metadata(meta, name), type: 'Opaque', stringData: Object.fromEntries(keys.map((key) => [key, '']))}
}

export function service(meta: Meta, selector: Record<string, string>, port: number): K8sObject {
  return {apiVersion: 'v1', kind: 'Service', metadata: metadata(meta), spec: {selector, ports: [{name: 'port', port, targetPort: port, protocol: 'TCP'}]}}
}


/** A Deployment's restart behaviour: always; what mar's policy asks beyond that is listed. */
export function deploymentRestart(instance: InstancePlan, subject: string, report: ExportReport): void {
  const {policy, limit, backoff} = instance.restart
  if (policy !== 'always') report.lost(subject, 'restart', `policy ${policy}`, "a Deployment's pods always restart (restartPolicy: Always), after a clean exit too")
  if (limit) report.lost(subject, 'restart.limit', `${limit.count}/${formatDuration(limit.windowMs)}`, 'the kubelet restarts without limit (CrashLoopBackOff)')
  if (!isDefaultBackoff(instance.restart.backoff)) report.lost(subject, 'restart.backoff', `${formatDuration(backoff.initialMs)}…${formatDuration(backoff.maxMs)} ×${backoff.factor}`, "the kubelet's own backoff: 10s doubling up to 5m")
}

/** A Job's restartPolicy and backoffLimit for mar's policy. */
export function jobRestart(instance: InstancePlan, subject: string, report: ExportReport): {restartPolicy: 'Never' | 'OnFailure'; backoffLimit: number} {
  const {policy, limit} = instance.restart
  if (policy === 'never') return {restartPolicy: 'Never', backoffLimit: 0}
  if (policy === 'always') report.lost(subject, 'restart', 'policy always on a oneshot (run again after each success)', 'a Job runs to one success; it retries only failures (restartPolicy: OnFailure)')
  if (!isDefaultBackoff(instance.restart.backoff)) report.lost(subject, 'restart.backoff', `${formatDuration(instance.restart.backoff.initialMs)}…${formatDuration(instance.restart.backoff.maxMs)}`, "the Job controller's own backoff: 10s doubling up to 6m")
  if (!limit) {
    report.lost(subject, 'restart', `policy ${policy} without a limit (retry forever)`, 'a Job gives up after backoffLimit retries: set to 6, the Kubernetes default')
    return {restartPolicy: 'OnFailure', backoffLimit: 6}
  }
  report.lost(subject, 'restart.limit', `${limit.count}/${formatDuration(limit.windowMs)} (restarts within any ${formatDuration(limit.windowMs)})`, `backoffLimit ${limit.count}: retries over the Job's whole life`)
  return {restartPolicy: 'OnFailure', backoffLimit: limit.count}
}

export function deployment(meta: Meta, runner: RunnerPlan, selector: Record<string, string>, pod: K8sObject, minReadySeconds?: number): K8sObject {
  const spec: K8sObject = {replicas: runner.scale, selector: {matchLabels: selector}}
  if (minReadySeconds !== undefined) spec.minReadySeconds = minReadySeconds
  spec.template = {metadata: {labels: meta.labels}, spec: pod}
  return {apiVersion: 'apps/v1', kind: 'Deployment', metadata: metadata(meta), spec}
}

export function job(meta: Meta, runner: RunnerPlan, pod: K8sObject, backoffLimit: number): K8sObject {
  // Each of mar's instances runs once: as many completions, all at once.
  const spec: K8sObject = {completions: runner.scale, parallelism: runner.scale, backoffLimit}
  spec.template = {metadata: {labels: meta.labels}, spec: pod}
  return {apiVersion: 'batch/v1', kind: 'Job', metadata: metadata(meta), spec}
}
