// One runner as a Kubernetes container: its command (an argv stays an argv;
// a string runs through /bin/sh -c exactly as under mar, where plain words
// are exec'd directly), working directory, environment (from the runner's
// ConfigMap and Secret), port, probes, resources and how it is stopped.
import {formatSize} from '../../config/units.js'
import {toArgv} from '../../supervisor/command.js'
import type {InstancePlan, StackPlan} from '../../config/types.js'
import type {ExportReport} from '../unexpressed.js'
import {exportWorkdir} from '../workdir.js'
import {containerProbes} from './probes.js'

export type K8sObject = Record<string, unknown>

export interface ContainerInput {
  plan: StackPlan
  instance: InstancePlan
  subject: string
  /** The container's (and its objects') name. */
  name: string
  image: string
  workdir?: string
  configMap?: string
  secret?: string
  scale: number
}

export interface ContainerResult {
  container: K8sObject
  /** Pod-level settings the container needs. */
  pod: {terminationGracePeriodSeconds: number; linux: boolean}
  minReadySeconds?: number
}

/** A CPU count as a Kubernetes quantity: `500m`, `2`. */
function cpuQuantity(cpus: number): string {
  const milli = Math.max(1, Math.round(cpus * 1000))
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`
}

/** Bytes as a Kubernetes quantity: `256Mi`, `1Gi`, or plain bytes. */
function memoryQuantity(bytes: number): string {
  for (const [unit, size] of [['Ti', 1024 ** 4], ['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return String(bytes)
}

function resources(instance: InstancePlan, subject: string, report: ExportReport): K8sObject | undefined {
  const requests: Record<string, string> = {}
  const limits: Record<string, string> = {}
  // mar both places by `resources` and holds the instance to it (cgroup cpu.max, memory.max): requests and limits.
  if (instance.resources?.cpu !== undefined) requests.cpu = limits.cpu = cpuQuantity(instance.resources.cpu)
  if (instance.resources?.memory !== undefined) requests.memory = limits.memory = memoryQuantity(instance.resources.memory)
  if (instance.memoryLimit !== undefined) {
    const limit = Math.min(instance.memoryLimit, instance.resources?.memory ?? Infinity)
    limits.memory = memoryQuantity(limit)
    report.note(`${subject}: memory_limit ${formatSize(instance.memoryLimit)} is the container's memory limit: the kernel OOM-kills at it (mar restarts once RSS stays above it), then the pod restarts`)
  }
  const out: K8sObject = {}
  if (Object.keys(requests).length > 0) out.requests = requests
  if (Object.keys(limits).length > 0) out.limits = limits
  return Object.keys(out).length > 0 ? out : undefined
}

/** PORT and MAR_* as Kubernetes can give them: the node's name for MAR_HOST; MAR_INSTANCE only when there is one replica. */
export function instanceVariables(input: ContainerInput, stack: string): Record<string, string> {
  const values: Record<string, string> = {MAR_STACK: stack, MAR_RUNNER: input.instance.runner}
  if (input.instance.port !== undefined) values.PORT = String(input.instance.port)
  // Replicas of a Deployment are alike: no per-replica number exists to give them.
  if (input.scale === 1) values.MAR_INSTANCE = '1'
  return values
}

export function buildContainer(input: ContainerInput, report: ExportReport): ContainerResult {
  const {instance, subject} = input
  const {file, args} = toArgv(instance.command)
  const container: K8sObject = {name: input.name, image: input.image, command: [file], ...(args.length > 0 ? {args} : {})}

  const workdir = exportWorkdir(input.plan, instance, input.workdir, false)
  if ('problem' in workdir) report.lost(subject, 'cwd', workdir.problem, "the image's WORKDIR is used; pass --workdir (where the stack's directory is in the image)")
  else if (workdir.dir !== undefined) container.workingDir = workdir.dir

  const envFrom: K8sObject[] = []
  if (input.configMap) envFrom.push({configMapRef: {name: input.configMap}})
  if (input.secret) envFrom.push({secretRef: {name: input.secret}})
  if (envFrom.length > 0) container.envFrom = envFrom
  container.env = [{name: 'MAR_HOST', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}}]

  if (instance.port !== undefined) container.ports = [{containerPort: instance.port, protocol: 'TCP'}]

  const probes = containerProbes(instance, subject, report)
  for (const key of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) if (probes[key]) container[key] = probes[key]

  const res = resources(instance, subject, report)
  if (res) container.resources = res

  const lifecycle: K8sObject = {}
  if (instance.stop.command) {
    const stop = toArgv(instance.stop.command)
    lifecycle.preStop = {exec: {command: [stop.file, ...stop.args]}}
  }
  const linux = instance.stop.signal !== 'SIGTERM'
  if (linux) {
    lifecycle.stopSignal = instance.stop.signal
    report.note(`${subject}: stop signal ${instance.stop.signal} is the container's lifecycle.stopSignal, which needs Kubernetes 1.33 or later with the ContainerStopSignals feature gate; elsewhere the container gets SIGTERM (or set STOPSIGNAL ${instance.stop.signal} in the image)`)
  }
  if (Object.keys(lifecycle).length > 0) container.lifecycle = lifecycle

  const result: ContainerResult = {container, pod: {terminationGracePeriodSeconds: Math.ceil(instance.stop.timeoutMs / 1000), linux}}
  if (probes.minReadySeconds !== undefined) result.minReadySeconds = probes.minReadySeconds
  return result
}
