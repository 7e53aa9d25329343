// The hosts a daemon reports in `status` (and `mar hosts` shows): `local`,
// and every host the stacks it holds declare, with what is placed on each.
// What the daemon knows of a remote host (is it connected, its latency,
// agent version, capacity and load) is not here: the hub's links know it
// and hand it in through `remote` — until then such a host is `connecting`.
import {cpus, freemem, loadavg, totalmem} from 'node:os'
import {readFileSync} from 'node:fs'
import type {HostInfo, MachineInfo} from '../api/protocol.js'
import type {HostPlan, StackPlan} from '../config/types.js'
import {placedUsage} from '../remote/placement.js'
import {marVersion} from '../util/version.js'

/** What the hub knows of a remote host's link (src/remote/host-link.ts). */
export interface RemoteHostView {
  state: 'up' | 'connecting' | 'unreachable'
  reason: string | null
  latencyMs: number | null
  /** Its agent's mar version. */
  version: string | null
  /** What its agent's ping reported; null before the first. */
  machine: MachineInfo | null
  /** ISO 8601: since when it is in `state`. */
  since: string | null
}

export interface HostInfoOptions {
  /** This machine (default: readMachine()). */
  local?: MachineInfo
  /** A remote host's link, by host; undefined: not (yet) linked. */
  remote?(host: HostPlan): RemoteHostView | undefined
  /** When this daemon started (local's `since`). */
  since?: string
}

/** This machine's capacity and load: logical CPUs, MemTotal and MemAvailable, load averages. */
export function readMachine(): MachineInfo {
  const [one = 0, five = 0, fifteen = 0] = loadavg()
  const memory = readMeminfo()
  return {
    cpus: cpus().length,
    memoryTotal: memory?.total ?? totalmem(),
    // Without /proc (not Linux): free memory is the closest there is.
    memoryAvailable: memory?.available ?? freemem(),
    load: [round(one), round(five), round(fifteen)],
  }
}

/** MemTotal and MemAvailable (bytes) from /proc/meminfo; null where there is none. */
export function readMeminfo(text?: string): {total: number; available: number} | null {
  let content = text
  if (content === undefined) {
    try {
      content = readFileSync('/proc/meminfo', 'utf8')
    } catch {
      return null
    }
  }
  const kib = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(content!)
    return match ? Number(match[1]) * 1024 : undefined
  }
  const total = kib('MemTotal')
  // Kernels before 3.14 have no MemAvailable: free + page cache is the usual estimate.
  const available = kib('MemAvailable') ?? sum(kib('MemFree'), kib('Cached'))
  return total === undefined || available === undefined ? null : {total, available}
}

/**
 * `local` first, then each host the stacks declare, once (the first
 * stack's declaration of a name wins; its instances are counted from
 * every stack). Capacity: declared, else reported (for local: this
 * machine; for a remote host: its agent's last ping), else null.
 */
export function hostInfos(plans: readonly StackPlan[], options: HostInfoOptions = {}): HostInfo[] {
  const declared = new Map<string, HostPlan>([['local', {name: 'local', labels: []}]])
  const used = new Map<string, {cpu: number; memory: number; instances: number}>()
  for (const plan of plans) {
    for (const host of plan.hosts) {
      // A stack that declares local's capacity says more than the implicit one.
      if (!declared.has(host.name) || (host.name === 'local' && declared.get('local')!.cpus === undefined && declared.get('local')!.memory === undefined)) declared.set(host.name, host)
    }
    for (const usage of placedUsage(plan)) {
      const u = used.get(usage.host) ?? {cpu: 0, memory: 0, instances: 0}
      used.set(usage.host, {cpu: u.cpu + usage.cpu, memory: u.memory + usage.memory, instances: u.instances + usage.instances.length})
    }
  }
  const local = options.local ?? readMachine()
  return [...declared.values()].map((host): HostInfo => {
    const u = used.get(host.name) ?? {cpu: 0, memory: 0, instances: 0}
    // `local`, or a host declared without ssh: this machine. Otherwise what the hub's link knows, if anything.
    const view: RemoteHostView = !host.ssh
      ? {state: 'up', reason: null, latencyMs: null, version: marVersion(), machine: local, since: options.since ?? null}
      : (options.remote?.(host) ?? {state: 'connecting', reason: 'not connected yet', latencyMs: null, version: null, machine: null, since: null})
    return {
      name: host.name,
      ssh: host.ssh ?? null,
      state: host.ssh ? view.state : 'local',
      reason: view.reason,
      latencyMs: view.latencyMs,
      version: view.version,
      cpus: host.cpus ?? view.machine?.cpus ?? null,
      cpusDeclared: host.cpus !== undefined,
      cpuUsed: Math.round(u.cpu * 1000) / 1000,
      memory: host.memory ?? view.machine?.memoryAvailable ?? null,
      memoryDeclared: host.memory !== undefined,
      memoryUsed: u.memory,
      load: view.machine?.load ?? null,
      instances: u.instances,
      since: view.since,
    }
  })
}

const round = (n: number) => Math.round(n * 100) / 100
const sum = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a + b)
