// Placement: which host each instance runs on. A pure function so the
// config's plan, `mar validate` and later a rebalance all agree. Instances
// of a runner go round-robin over its allowed hosts (named directly or by
// label, in declaration order), skipping a host whose declared cpus/memory
// would be overcommitted by the instance's `resources`. A host without a
// declared capacity takes any number of instances.

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
        failures.push({runner: request.runner, instance: index, message: describeFailure(request, index, allowed)})
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

function describeFailure(request: PlacementRequest, index: number, allowed: PlacementHost[]): string {
  const instance = `${request.runner}.${index}`
  if (allowed.length === 0) return `cannot place ${instance}: no host matches ${request.hosts.join(', ')}`
  const need = [request.resources?.cpu ? `${request.resources.cpu} cpu` : '', request.resources?.memory ? `${formatBytes(request.resources.memory)} memory` : '']
    .filter(Boolean)
    .join(' and ')
  return `cannot place ${instance}: no host among ${allowed.map((h) => h.name).join(', ')} has ${need} free (scale ${request.scale})`
}

function formatBytes(bytes: number): string {
  for (const [unit, factor] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) if (bytes >= factor) return `${+(bytes / factor).toFixed(1)}${unit}`
  return `${bytes}B`
}
