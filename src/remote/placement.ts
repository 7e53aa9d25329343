// Placement: which host each instance runs on. A pure function so the
// config's plan, `mar validate` and later a rebalance all agree. Instances
// of a runner go round-robin over its allowed hosts (named directly or by
// label, in declaration order), skipping a host whose declared cpus/memory
// would be overcommitted by the instance's `resources`. A host without a
// declared capacity takes any number of instances here; once its agent
// reports what the machine has, checkReportedCapacity() holds the plan to that.
import type {StackPlan} from '../config/types.js'

export interface PlacementHost {
  name: string
  cpus?: number
  memory?: number
  labels: readonly string[]
}

export interface PlacementRequest {
  runner: string
  scale: number
  /** Host names or labels. */
  hosts: readonly string[]
  resources?: {cpu?: number; memory?: number}
}

export interface PlacementFailure {
  runner: string
  /** 1-based index of the first instance that did not fit. */
  instance: number
  /** The host it did not fit on, when there was one host to blame (checkReportedCapacity). */
  host?: string
  message: string
}

export interface PlacementResult {
  /** Host name of each instance, by runner: hosts[i] is instance i + 1. */
  placements: Record<string, string[]>
  failures: PlacementFailure[]
}

/** Hosts a runner may use: each entry's host and every host with that label, deduplicated, in declaration order. */
export function allowedHosts(names: readonly string[], hosts: readonly PlacementHost[]): PlacementHost[] {
  const chosen = new Set<string>()
  for (const name of names) for (const host of hosts) if (host.name === name || host.labels.includes(name)) chosen.add(host.name)
  return hosts.filter((host) => chosen.has(host.name))
}

/** Place every instance of every request (in order; earlier requests claim capacity first). */
export function placeInstances(requests: readonly PlacementRequest[], hosts: readonly PlacementHost[]): PlacementResult {
  const used = new Map<string, {cpu: number; memory: number}>(hosts.map((h) => [h.name, {cpu: 0, memory: 0}]))
  const placements: Record<string, string[]> = {}
  const failures: PlacementFailure[] = []

  for (const request of requests) {
    const allowed = allowedHosts(request.hosts, hosts)
    const cpu = request.resources?.cpu ?? 0
    const memory = request.resources?.memory ?? 0
    const fits = (host: PlacementHost): boolean => {
      const u = used.get(host.name)!
      // A small epsilon keeps 0.1 + 0.2 cpu from overflowing a 0.3 cpu host.
      return (host.cpus === undefined || u.cpu + cpu <= host.cpus + 1e-9) && (host.memory === undefined || u.memory + memory <= host.memory)
    }
    const placed: string[] = []
    let cursor = 0
    for (let index = 1; index <= request.scale; index++) {
      let chosen: PlacementHost | undefined
      for (let k = 0; k < allowed.length && !chosen; k++) {
        const candidate = allowed[(cursor + k) % allowed.length]
        if (fits(candidate)) {
          chosen = candidate
          cursor = ((cursor + k) % allowed.length) + 1
        }
      }
      if (!chosen) {
        failures.push({runner: request.runner, instance: index, message: describeFailure(request, index, allowed, used)})
        break
      }
      const u = used.get(chosen.name)!
      u.cpu += cpu
      u.memory += memory
      placed.push(chosen.name)
    }
    placements[request.runner] = placed
  }
  return {placements, failures}
}

/** What one instance of `request` asks for, in words: `0.5 cpu and 256M memory`. */
function describeNeed(resources: PlacementRequest['resources']): string {
  return [resources?.cpu ? `${+resources.cpu.toFixed(3)} cpu` : '', resources?.memory ? `${formatBytes(resources.memory)} memory` : ''].filter(Boolean).join(' and ')
}

function describeFailure(request: PlacementRequest, index: number, allowed: PlacementHost[], used: Map<string, {cpu: number; memory: number}>): string {
  const instance = `${request.runner}.${index}`
  if (allowed.length === 0) return `cannot place ${instance}: no host matches ${request.hosts.join(', ')}`
  // What is left on each allowed host, so the user sees which capacity to raise.
  const free = allowed.map((host) => {
    const u = used.get(host.name)!
    const left = [
      request.resources?.cpu && host.cpus !== undefined ? `${+Math.max(0, host.cpus - u.cpu).toFixed(3)} of ${host.cpus} cpu` : '',
      request.resources?.memory && host.memory !== undefined ? `${formatBytes(Math.max(0, host.memory - u.memory))} of ${formatBytes(host.memory)} memory` : '',
    ].filter(Boolean)
    return `${host.name} has ${left.join(' and ')} free`
  })
  return `cannot place ${instance} (scale ${request.scale}, each needs ${describeNeed(request.resources)}): ${free.join('; ')}`
}

export function formatBytes(bytes: number): string {
  for (const [unit, factor] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) if (bytes >= factor) return `${+(bytes / factor).toFixed(1)}${unit}`
  return `${bytes}B`
}

// ------------------------------------------------------------ what is placed where

export interface HostUsage {
  host: string
  /** Sum of `resources.cpu` of the instances placed there. */
  cpu: number
  /** Sum of `resources.memory` (bytes). */
  memory: number
  /** Instance names placed there, in plan order. */
  instances: string[]
}

/** What a plan places on each of its hosts (every host, in declaration order, even with nothing on it). */
export function placedUsage(plan: Pick<StackPlan, 'hosts' | 'groups'>): HostUsage[] {
  const usage = new Map<string, HostUsage>(plan.hosts.map((h) => [h.name, {host: h.name, cpu: 0, memory: 0, instances: []}]))
  for (const instance of plan.groups.flatMap((g) => g.runners.flatMap((r) => r.instances))) {
    let u = usage.get(instance.host)
    if (!u) usage.set(instance.host, (u = {host: instance.host, cpu: 0, memory: 0, instances: []}))
    u.cpu += instance.resources?.cpu ?? 0
    u.memory += instance.resources?.memory ?? 0
    u.instances.push(instance.name)
  }
  return [...usage.values()]
}

/** The capacity a host's agent reports: cores, and available memory in bytes. */
export interface ReportedCapacity {
  cpus: number
  memory: number
}

/**
 * For hosts that do not declare `cpus` or `memory`: whether what the plan
 * places there fits what the host reports (`reported`, by host name — the
 * hub passes what each agent said; a host not in it is not checked). A
 * declared value always wins over a reported one and was checked at
 * placement already. One failure per host: the first instance, in plan
 * order, that goes past the reported capacity.
 */
export function checkReportedCapacity(plan: Pick<StackPlan, 'hosts' | 'groups'>, reported: Readonly<Record<string, ReportedCapacity>>): PlacementFailure[] {
  const failures: PlacementFailure[] = []
  for (const host of plan.hosts) {
    const machine = Object.hasOwn(reported, host.name) ? reported[host.name] : undefined
    if (!machine) continue
    const cpus = host.cpus === undefined ? machine.cpus : undefined
    const memory = host.memory === undefined ? machine.memory : undefined
    if (cpus === undefined && memory === undefined) continue
    let cpu = 0
    let mem = 0
    for (const instance of plan.groups.flatMap((g) => g.runners.flatMap((r) => r.instances))) {
      if (instance.host !== host.name) continue
      const needCpu = instance.resources?.cpu ?? 0
      const needMemory = instance.resources?.memory ?? 0
      const overCpu = cpus !== undefined && cpu + needCpu > cpus + 1e-9
      const overMemory = memory !== undefined && mem + needMemory > memory
      if (overCpu || overMemory) {
        const short = [
          overCpu ? `${+Math.max(0, cpus! - cpu).toFixed(3)} of the ${cpus} cpus it reports` : '',
          overMemory ? `${formatBytes(Math.max(0, memory! - mem))} of the ${formatBytes(memory!)} memory it reports available` : '',
        ].filter(Boolean)
        failures.push({
          runner: instance.runner,
          instance: instance.index,
          host: host.name,
          message: `cannot place ${instance.name} on ${host.name} (needs ${describeNeed(instance.resources)}): ${host.name} has ${short.join(' and ')} left`,
        })
        break
      }
      cpu += needCpu
      mem += needMemory
    }
  }
  return failures
}
