// `d`: one instance as `mar describe` tells it (command, cwd, env keys,
// probes and their last results, exits with codes and times, cgroup, log
// paths), with what only a live client has: CPU and memory sparklines and a
// restart timeline that shows a crash loop at a glance.
import {Box, Text} from 'ink'
import React from 'react'
import {describeReason} from '../api/describe.js'
import type {InstanceDescription, ProbeDescription} from '../api/protocol.js'
import {formatBytes, formatDuration, formatUptime} from '../util/format.js'
import {sparkline, timeline, type History} from './state.js'

export interface DetailsProps {
  name: string
  description: InstanceDescription | null
  error: string | null
  history: History | undefined
  now: number
  width: number
  height: number
  color: boolean
}

/** The timeline's span: long enough to see a crash loop, short enough that one crash stands out. */
export const TIMELINE_SPAN_MS = 10 * 60_000

const command = (c: InstanceDescription['command']) => ('shell' in c ? c.shell : c.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' '))

function probeLine(p: ProbeDescription | null): string {
  if (!p) return '-'
  const how = p.passed === null ? 'not tried yet' : p.passed ? `✓ passed ${p.at}` : `✗ failed ${p.at}${p.message ? `: ${p.message}` : ''}`
  return `${p.kind}${p.target ? ` ${p.target}` : ''} (every ${formatDuration(p.intervalMs)}, timeout ${formatDuration(p.timeoutMs)}): ${how}`
}

export function detailLines(d: InstanceDescription, history: History | undefined, now: number, width: number): string[] {
  const i = d.instance
  const reason = describeReason(i, now)
  const rows: Array<[string, string]> = [
    ['state', `${i.state}${i.health ? ` (${i.health})` : ''}${reason ? ` — ${reason}` : ''}`],
    ['pid', i.pid === null ? '-' : `${i.pid}${i.startedAt ? `, up ${formatUptime(now - Date.parse(i.startedAt))}` : ''}`],
    ['host', i.host],
    ['restarts', String(i.restarts)],
    ['cpu', `${i.cpu === null ? '-' : `${i.cpu.toFixed(1)}%`}  ${sparkline(history?.cpu ?? [], 30, 100)}`],
    ['memory', `${i.memory === null ? '-' : formatBytes(i.memory)}  ${sparkline(history?.memory ?? [], 30, 0, true)}`],
    ['timeline', `${timeline(history?.timeline ?? [], now, TIMELINE_SPAN_MS, Math.min(40, Math.max(10, width - 30)))}  (last 10m: ✗ crash, ↻ restart)`],
    ['command', command(d.command)],
    ['cwd', d.cwd],
    ['env', `${d.env.length > 0 ? d.env.join(' ') : '-'}${d.inheritedEnv > 0 ? ` (+ ${d.inheritedEnv} inherited)` : ''}`],
    ...(d.port !== null ? [['port', String(d.port)] as [string, string]] : []),
    ['cgroup', d.cgroup ?? '-'],
    ['ready', probeLine(d.probes.ready)],
    ['liveness', probeLine(d.probes.liveness)],
    ['stdout', d.logs.stdout],
    ['stderr', d.logs.stderr],
    ['exits', d.exits.length === 0 ? '-' : `the last ${d.exits.length}, newest first`],
  ]
  const out = rows.map(([k, v]) => `${k.padEnd(9)} ${v}`)
  for (const e of [...d.exits].reverse()) out.push(`  ${e.at}  ${(e.signal ? `signal ${e.signal}` : `code ${e.code}`).padEnd(14)} ${(e.state ?? '-').padEnd(8)} ${e.reason ?? ''}`.trimEnd())
  return out
}

export function Details(props: DetailsProps): React.ReactElement {
  const body = props.error ? [`describe ${props.name}: ${props.error}`] : props.description ? detailLines(props.description, props.history, props.now, props.width) : [`asking the daemon about ${props.name}…`]
  const title = props.description ? `${props.description.stack}/${props.name}  (runner ${props.description.instance.runner}, group ${props.description.instance.group}; ${props.description.config})` : props.name
  return (
    <Box flexDirection="column" height={props.height} width={props.width}>
      <Text bold wrap="truncate">{title}</Text>
      {body.slice(0, Math.max(0, props.height - 2)).map((line, n) => (
        <Text key={n} wrap="truncate">{line}</Text>
      ))}
      <Text dimColor={props.color}>esc: back</Text>
    </Box>
  )
}
