// `mar status`: one table per stack — name, host, state, health, pid,
// uptime, restarts, CPU, memory — with states in color.
import {shownName} from '../api/targets.js'
import {describeReason} from '../api/describe.js'
import type {InstanceInfo, StatusReply} from '../api/protocol.js'
import type {Paint, ColorName} from '../util/colors.js'
import {formatBytes, formatUptime} from '../util/format.js'

const stateColor: Record<string, ColorName> = {
  ready: 'green',
  running: 'green',
  exited: 'gray',
  stopped: 'gray',
  pending: 'gray',
  starting: 'yellow',
  stopping: 'yellow',
  backoff: 'yellow',
  unhealthy: 'red',
  crashed: 'red',
  failed: 'red',
}

function row(instance: InstanceInfo, now: number): string[] {
  const uptime = instance.startedAt && instance.pid ? formatUptime(now - Date.parse(instance.startedAt)) : '-'
  return [
    shownName(instance.name, instance.host),
    instance.host,
    instance.state,
    instance.health ?? '-',
    instance.pid === null ? '-' : String(instance.pid),
    uptime,
    String(instance.restarts),
    instance.cpu === null ? '-' : `${instance.cpu.toFixed(1)}%`,
    instance.memory === null ? '-' : formatBytes(instance.memory),
  ]
}

export function renderStatus(status: StatusReply, paint: Paint, now = Date.now()): string {
  if (status.stacks.length === 0) return 'no stacks are up (start one with `mar up`)\n'
  const header = ['NAME', 'HOST', 'STATE', 'HEALTH', 'PID', 'UPTIME', 'RESTARTS', 'CPU', 'MEM']
  const out: string[] = []
  for (const stack of status.stacks) {
    const rows = stack.instances.map((i) => row(i, now))
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
    out.push(`${paint('bold', stack.name)} ${paint('gray', stack.config)}`)
    out.push(paint('gray', header.map((h, c) => h.padEnd(widths[c]!)).join('  ').trimEnd()))
    stack.instances.forEach((instance, i) => {
      const cells = rows[i]!.map((cell, c) => {
        const padded = cell.padEnd(widths[c]!)
        if (c === 0) return paint.runner(instance.runner, padded)
        if (c === 2) return paint(stateColor[instance.state] ?? 'gray', padded)
        if (c === 3 && instance.health === 'unhealthy') return paint('red', padded)
        return padded
      })
      out.push(cells.join('  ').trimEnd())
      const reason = describeReason(instance, now)
      // Every state that is not plainly up says why (a completed oneshot needs no words).
      if (reason && instance.state !== 'running' && instance.state !== 'ready' && instance.reasonCode !== 'completed') out.push(paint('gray', `  ↳ ${reason}`))
    })
    out.push('')
  }
  return out.join('\n')
}
