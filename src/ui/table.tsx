// The status table: one line per group (its phase, and runners scaled for
// this session), one per instance, scrolled so the selection stays in view.
// Only the visible lines are rendered, so 200 instances cost what 20 do.
import {Box, Text} from 'ink'
import React from 'react'
import type {ProbeInfo} from '../api/protocol.js'
import {formatBytes, formatUptime} from '../util/format.js'
import {PHASE_TONE, sparkline, STATE_SYMBOL, STATE_TONE, type History, type Line, type Tone} from './state.js'

export interface Scaled {
  scale: number
  /** What the config file says. */
  file: number
}

export interface TableProps {
  lines: Line[]
  selected: number
  /** Rows for the table, its header line included. */
  height: number
  width: number
  compact: boolean
  color: boolean
  focused: boolean
  history: Map<string, History>
  /** `stack/runner` → its scale for this session. */
  scaled: Map<string, Scaled>
}

export function fit(text: string, width: number): string {
  if (width <= 0) return ''
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width)
}

const probeMark = (p: ProbeInfo | null) => (p === null ? '' : p.passed === null ? '·' : p.passed ? '✓' : '✗')

interface Cell {
  text: string
  width: number
  tone?: Tone | undefined
}

/** The first line of the window that keeps `selected` in view, roughly centred. */
export function windowStart(count: number, selected: number, rows: number): number {
  if (count <= rows) return 0
  return Math.max(0, Math.min(count - rows, selected - Math.floor(rows / 2)))
}

export function Table(props: TableProps): React.ReactElement {
  const {lines, width, compact, color} = props
  const rows = Math.max(1, props.height - 1)
  const start = windowStart(lines.length, props.selected, rows)
  const visible = lines.slice(start, start + rows)
  const nameWidth = Math.min(compact ? 16 : 24, Math.max(6, ...visible.map((l) => (l.kind === 'instance' ? l.row.shown.length : 0))))
  const spark = !compact && width >= 120
  const headers: Cell[] = compact
    ? [{text: '', width: 2}, {text: 'NAME', width: nameWidth + 1}, {text: 'STATE', width: 10}, {text: 'CPU', width: 7}, {text: 'MEM', width: 7}]
    : [
        {text: '', width: 2},
        {text: 'NAME', width: nameWidth + 1},
        {text: 'HOST', width: 9},
        {text: 'STATE', width: 10},
        {text: 'HEALTH', width: 10},
        {text: 'PID', width: 8},
        {text: 'UPTIME', width: 9},
        {text: '↻', width: 4},
        {text: 'CPU', width: 7},
        ...(spark ? [{text: '', width: 11}] : []),
        {text: 'MEM', width: 7},
        ...(spark ? [{text: '', width: 11}] : []),
        {text: 'PROBE', width: 6},
      ]
  const used = headers.reduce((n, h) => n + h.width, 0)
  const reasonWidth = Math.max(0, width - used - 1)
  const paint = (tone: Tone | undefined) => (color && tone ? tone : undefined)
  return (
    <Box flexDirection="column" height={props.height} width={width}>
      <Text wrap="truncate" dimColor={color}>
        {headers.map((h) => fit(h.text, h.width)).join('') + fit('REASON', reasonWidth)}
      </Text>
      {visible.map((line, i) => {
        const selected = start + i === props.selected
        const inverse = selected && props.focused
        const mark = selected ? '›' : ' '
        if (line.kind === 'group') {
          const scaled = [...props.scaled].filter(([key]) => key.startsWith(`${line.stack}/`)).map(([key, s]) => `${key.slice(line.stack.length + 1)} ×${s.scale} (file: ${s.file})`)
          const g = line.group
          const deps = g.dependsOn.length > 0 && g.phase === 'waiting' ? ` ← ${g.dependsOn.map((d) => `${d.group} (${d.condition})`).join(', ')}` : ''
          return (
            <Text key={line.key} wrap="truncate" inverse={inverse} bold>
              {`${mark} ${line.showStack ? `${line.stack}/` : ''}${g.name} `}
              <Text color={paint(PHASE_TONE[g.phase])}>{`[${g.phase}]`}</Text>
              <Text dimColor={color}>{`${g.reason ? ` ${g.reason}` : ''}${deps}${scaled.length > 0 ? `  ${scaled.join(', ')}` : ''}`}</Text>
            </Text>
          )
        }
        const r = line.row
        const info = r.info
        const h = props.history.get(r.key)
        const tone = STATE_TONE[info.state]
        const cells: Cell[] = compact
          ? [
              {text: mark + STATE_SYMBOL[info.state], width: 2, tone},
              {text: r.shown, width: nameWidth + 1},
              {text: info.state, width: 10, tone},
              {text: info.cpu === null ? '-' : `${info.cpu.toFixed(1)}%`, width: 7},
              {text: info.memory === null ? '-' : formatBytes(info.memory), width: 7},
            ]
          : [
              {text: mark + STATE_SYMBOL[info.state], width: 2, tone},
              {text: r.shown, width: nameWidth + 1},
              {text: info.host, width: 9},
              {text: info.state, width: 10, tone},
              {text: info.health ?? '-', width: 10, tone: info.health === 'unhealthy' ? 'red' : info.health === 'healthy' ? 'green' : undefined},
              {text: info.pid === null ? '-' : String(info.pid), width: 8},
              {text: r.uptime === null ? '-' : formatUptime(r.uptime), width: 9},
              {text: String(info.restarts), width: 4, tone: info.restarts > 0 ? 'yellow' : undefined},
              {text: info.cpu === null ? '-' : `${info.cpu.toFixed(1)}%`, width: 7},
              ...(spark ? [{text: sparkline(h?.cpu ?? [], 10, 100), width: 11, tone: 'gray' as Tone}] : []),
              {text: info.memory === null ? '-' : formatBytes(info.memory), width: 7},
              ...(spark ? [{text: sparkline(h?.memory ?? [], 10, 0, true), width: 11, tone: 'gray' as Tone}] : []),
              {text: `${probeMark(info.ready)}${info.liveness ? `/${probeMark(info.liveness)}` : ''}`, width: 6, tone: info.ready?.passed === false || info.liveness?.passed === false ? 'red' : undefined},
            ]
        const reason = info.state === 'running' || info.state === 'ready' ? (info.notifyStatus ?? '') : (r.reason ?? '')
        return (
          <Text key={line.key} wrap="truncate" inverse={inverse}>
            {cells.map((c, n) => (
              <Text key={n} color={paint(c.tone)}>
                {fit(c.text, c.width)}
              </Text>
            ))}
            <Text dimColor={color}>{fit(reason, reasonWidth)}</Text>
          </Text>
        )
      })}
    </Box>
  )
}
