// `mar hosts`: `local` and every host of the stacks the daemon holds (and
// of the config here), with its state, latency, agent version, capacity
// used/declared (or reported), load and instance count. What the daemon
// reports wins; hosts only the config names (no daemon, or its stack is
// not up) are shown from the config alone.
import type {HostInfo, StatusReply} from '../api/protocol.js'
import {loadStack} from '../config/load.js'
import type {StackPlan} from '../config/types.js'
import {hostInfos, readMachine} from '../daemon/host-info.js'
import {createPaint, type Paint} from '../util/colors.js'
import {formatBytes} from '../util/format.js'
import {probeDaemon} from '../api/connect.js'

export async function showHosts(options: {config?: string; json: boolean; color: boolean}): Promise<number> {
  const loaded = await loadStack({cwd: process.cwd(), configPath: options.config, env: process.env})
  const plan = loaded.ok ? loaded.plan : null
  const client = await probeDaemon()
  let status: StatusReply | null = null
  if (client) {
    try {
      status = await client.call('status', {})
    } finally {
      client.close()
    }
  }
  const hosts = mergeHosts(status, plan)
  if (options.json) {
    process.stdout.write(`${JSON.stringify({hosts}, null, 2)}\n`)
    return 0
  }
  process.stdout.write(hostsTable(hosts, createPaint(options.color)))
  return 0
}

/** The daemon's hosts, then those of the config here that it does not know, from the config alone. */
export function mergeHosts(status: StatusReply | null, plan: StackPlan | null): HostInfo[] {
  const fromDaemon = status?.hosts ?? []
  const stackUp = Boolean(plan && status?.stacks.some((s) => s.name === plan.name))
  const reason = status ? `not connected: stack ${plan?.name} is not up` : 'not connected: the daemon is not running'
  const fromConfig = hostInfos(plan && !stackUp ? [plan] : [], {
    local: readMachine(),
    remote: () => ({state: 'unreachable', reason, latencyMs: null, version: null, machine: null, since: null}),
  })
  if (!status) return fromConfig.map((h) => (h.name === 'local' ? {...h, reason: 'the daemon is not running'} : h))
  return [...fromDaemon, ...fromConfig.filter((h) => !fromDaemon.some((d) => d.name === h.name))]
}

const STATE_COLOR = {local: 'green', up: 'green', connecting: 'yellow', unreachable: 'red'} as const

/** NAME SSH STATE LATENCY VERSION CPU MEMORY LOAD INSTANCES, a `↳ reason` under each host not up, and what `*` means. */
export function hostsTable(hosts: readonly HostInfo[], paint: Paint): string {
  const header = ['NAME', 'SSH', 'STATE', 'LATENCY', 'VERSION', 'CPU', 'MEMORY', 'LOAD', 'INSTANCES']
  const capacity = (used: string, total: string | null, declared: boolean) => `${used}/${total === null ? '-' : `${total}${declared ? '' : '*'}`}`
  const rows = hosts.map((h) => [
    h.name,
    h.ssh ?? '-',
    h.state,
    h.latencyMs === null ? '-' : `${Math.round(h.latencyMs)}ms`,
    h.version ?? '-',
    capacity(String(h.cpuUsed), h.cpus === null ? null : String(h.cpus), h.cpusDeclared),
    capacity(h.memoryUsed === 0 ? '0' : formatBytes(h.memoryUsed), h.memory === null ? null : formatBytes(h.memory), h.memoryDeclared),
    h.load ? h.load.map((l) => l.toFixed(2)).join(' ') : '-',
    String(h.instances),
  ])
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((r) => r[c]!.length)))
  let out = `${paint('gray', header.map((title, c) => title.padEnd(widths[c]!)).join('  ').trimEnd())}\n`
  rows.forEach((row, i) => {
    const host = hosts[i]!
    out += `${row.map((cell, c) => (c === 2 ? paint(STATE_COLOR[host.state] ?? 'red', cell.padEnd(widths[c]!)) : cell.padEnd(widths[c]!))).join('  ').trimEnd()}\n`
    if (host.reason && host.state !== 'up') out += paint('gray', `  ↳ ${host.reason}\n`)
  })
  if (hosts.some((h) => (h.cpus !== null && !h.cpusDeclared) || (h.memory !== null && !h.memoryDeclared))) {
    out += paint('gray', '* reported by the host (CPUs, available memory), not declared in the config\n')
  }
  return out
}
