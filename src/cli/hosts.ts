// `mar hosts`: the local host (and, once remote hosts land, each declared
// one) with whether it is reachable, the agent's version, its load average
// and the instances running there.
import {loadavg} from 'node:os'
import type {DaemonInfo, StatusReply} from '../api/protocol.js'
import {loadStack} from '../config/load.js'
import {createPaint} from '../util/colors.js'
import {marVersion} from '../util/version.js'
import {probeDaemon} from '../api/connect.js'

export interface HostJson {
  name: string
  ssh: string | null
  reachable: boolean
  agentVersion: string | null
  /** 1, 5 and 15 minute load averages. */
  load: number[] | null
  instances: string[]
  reason: string | null
}

export async function showHosts(options: {config?: string; json: boolean; color: boolean}): Promise<number> {
  const loaded = await loadStack({cwd: process.cwd(), configPath: options.config, env: process.env})
  const declared = loaded.ok ? loaded.plan.hosts.filter((h) => h.name !== 'local') : []
  const client = await probeDaemon()
  let status: StatusReply = {stacks: [], hosts: []}
  let info: DaemonInfo | null = null
  if (client) {
    try {
      status = await client.call('status', {})
      info = await client.call('ping', {})
    } finally {
      client.close()
    }
  }
  /** What runs there (for a remote host: what is placed there, since none of it can run yet). */
  const on = (host: string) =>
    status.stacks.flatMap((s) => s.instances.filter((i) => i.host === host && (i.pid !== null || host !== 'local')).map((i) => `${s.name}/${i.name}`))
  const hosts: HostJson[] = [
    {
      name: 'local',
      ssh: null,
      reachable: true,
      agentVersion: info?.version ?? marVersion(),
      load: loadavg().map((l) => Math.round(l * 100) / 100),
      instances: on('local'),
      reason: info ? null : 'the daemon is not running',
    },
    ...declared.map((h) => ({
      name: h.name,
      ssh: h.ssh ?? null,
      reachable: false,
      agentVersion: null,
      load: null,
      instances: on(h.name),
      reason: 'remote hosts are not supported yet: instances placed here fail to start',
    })),
  ]
  if (options.json) {
    process.stdout.write(`${JSON.stringify({hosts}, null, 2)}\n`)
    return 0
  }
  const paint = createPaint(options.color)
  const rows = hosts.map((h) => [h.name, h.ssh ?? '-', h.reachable ? 'yes' : 'no', h.agentVersion ?? '-', h.load ? h.load.join(' ') : '-', String(h.instances.length)])
  const header = ['HOST', 'SSH', 'REACHABLE', 'AGENT', 'LOAD', 'INSTANCES']
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  process.stdout.write(`${paint('gray', header.map((h, c) => h.padEnd(widths[c]!)).join('  '))}\n`)
  rows.forEach((row, i) => {
    process.stdout.write(`${row.map((cell, c) => (c === 2 ? paint(cell === 'yes' ? 'green' : 'red', cell.padEnd(widths[c]!)) : cell.padEnd(widths[c]!))).join('  ').trimEnd()}\n`)
    if (hosts[i]!.reason) process.stdout.write(paint('gray', `  ↳ ${hosts[i]!.reason}\n`))
  })
  return 0
}
