// The status table: one line per group (its phase, and runners scaled for
// this session), one per instance, scrolled so the selection stays in view.
//
// Drawn in two steps so that a frame costs only what changed on the screen:
// tableView() turns the visible lines into text (cells, tones) with a
// signature per row, and the components are memoised on those signatures.
// When nothing shown changed (a usage sample of idle processes, the clock
// ticking inside a minute of uptime) React commits nothing, so ink draws no
// frame at all; when one row changed, only that row is rendered again.
import {Box, Text} from 'ink'
import React, {memo} from 'react'
import type {ProbeInfo} from '../api/protocol.js'
import {formatAge, formatBytes} from '../util/format.js'
import {PHASE_TONE, sparkline, STATE_SYMBOL, STATE_TONE, type History, type Line, type Tone} from './state.js'

export interface Scaled {
  scale: number
  /** What the config file says. */
  file: number
}

export interface TableInput {
  lines: Line[]
  selected: number
  /** Rows for the table, its header line included. */
  height: number
  width: number
  compact: boolean
  focused: boolean
  history: Map<string, History>
  /** `stack/runner` → its scale for this session. */
  scaled: Map<string, Scaled>
}

/** A run of text in one style. */
export interface Segment {
  text: string
  tone?: Tone | undefined
  dim?: boolean
}

export interface RowView {
  key: string
  inverse: boolean
  bold: boolean
  segments: Segment[]
  /** Everything the row shows, as one string: equal signatures draw the same row. */
  signature: string
}

export interface TableView {
  header: string
  rows: RowView[]
  height: number
  width: number
  signature: string
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


function signatureOf(segments: Segment[], inverse: boolean, bold: boolean): string {
  let sig = `${inverse ? 'i' : ''}${bold ? 'b' : ''}`
  for (const s of segments) sig += `\u0000${s.tone ?? ''}${s.dim ? '~' : ''}\u0001${s.text}`
  return sig
}

/** The visible part of the table as text: what the components draw, and what decides whether they draw at all. */
export function tableView(input: TableInput): TableView {
  const {lines, width, compact} = input
  const rows = Math.max(1, input.height - 1)
  const start = windowStart(lines.length, input.selected, rows)
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
  const header = headers.map((h) => fit(h.text, h.width)).join('') + fit('REASON', reasonWidth)

  const rowViews = visible.map((line, i): RowView => {
    const selected = start + i === input.selected
    const inverse = selected && input.focused
    const mark = selected ? '›' : ' '
    let segments: Segment[]
    let bold = false
    if (line.kind === 'group') {
      bold = true
      const scaled = [...input.scaled].filter(([key]) => key.startsWith(`${line.stack}/`)).map(([key, s]) => `${key.slice(line.stack.length + 1)} ×${s.scale} (file: ${s.file})`)
      const g = line.group
      const deps = g.dependsOn.length > 0 && g.phase === 'waiting' ? ` ← ${g.dependsOn.map((d) => `${d.group} (${d.condition})`).join(', ')}` : ''
      segments = [
        {text: `${mark} ${line.showStack ? `${line.stack}/` : ''}${g.name} `},
        {text: `[${g.phase}]`, tone: PHASE_TONE[g.phase]},
        {text: `${g.reason ? ` ${g.reason}` : ''}${deps}${scaled.length > 0 ? `  ${scaled.join(', ')}` : ''}`, dim: true},
      ]
    } else {
      const r = line.row
      const info = r.info
      const h = input.history.get(r.key)
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
            {text: r.uptime === null ? '-' : formatAge(r.uptime), width: 9},
            {text: String(info.restarts), width: 4, tone: info.restarts > 0 ? 'yellow' : undefined},
            {text: info.cpu === null ? '-' : `${info.cpu.toFixed(1)}%`, width: 7},
            ...(spark ? [{text: sparkline(h?.cpu ?? [], 10, 100), width: 11, tone: 'gray' as Tone}] : []),
            {text: info.memory === null ? '-' : formatBytes(info.memory), width: 7},
            ...(spark ? [{text: sparkline(h?.memory ?? [], 10, 0, true), width: 11, tone: 'gray' as Tone}] : []),
            {text: `${probeMark(info.ready)}${info.liveness ? `/${probeMark(info.liveness)}` : ''}`, width: 6, tone: info.ready?.passed === false || info.liveness?.passed === false ? 'red' : undefined},
          ]
      const reason = info.state === 'running' || info.state === 'ready' ? (info.notifyStatus ?? '') : (r.reason ?? '')
      segments = mergeSegments(cells.map((c) => ({text: fit(c.text, c.width), tone: c.tone})))
      // Trailing blanks only matter where the row is highlighted.
      const reasonText = fit(reason, reasonWidth)
      segments.push({text: inverse ? reasonText : reasonText.trimEnd(), dim: true})
    }
    return {key: line.key, inverse, bold, segments, signature: signatureOf(segments, inverse, bold)}
  })
  const signature = `${input.height}\u0002${width}\u0002${header}\u0002${rowViews.map((r) => `${r.key}\u0003${r.signature}`).join('\u0002')}`
  return {header, rows: rowViews, height: input.height, width, signature}
}

/** Neighbouring cells in the same style are one run: fewer styled spans, less for ink to measure and diff per frame. */
function mergeSegments(segments: Segment[]): Segment[] {
  const out: Segment[] = []
  for (const s of segments) {
    const last = out.at(-1)
    if (last && last.tone === s.tone && Boolean(last.dim) === Boolean(s.dim)) last.text += s.text
    else out.push({...s})
  }
  return out
}

const RowLine = memo(
  function RowLine(props: {row: RowView; color: boolean}): React.ReactElement {
    const {row, color} = props
    return (
      <Text wrap="truncate" inverse={row.inverse} bold={row.bold}>
        {row.segments.map((s, n) =>
          s.tone || s.dim ? (
            <Text key={n} color={color && s.tone ? s.tone : undefined} dimColor={color && s.dim}>
              {s.text}
            </Text>
          ) : (
            s.text
          ),
        )}
      </Text>
    )
  },
  (a, b) => a.row.signature === b.row.signature && a.color === b.color,
)

/** The table, drawn from its view; memoised on the view's signature (see the top of this file). */
export const Table = memo(
  function Table(props: {view: TableView; color: boolean}): React.ReactElement {
    const {view, color} = props
    return (
      <Box flexDirection="column" height={view.height} width={view.width}>
        <Text wrap="truncate" dimColor={color}>
          {view.header}
        </Text>
        {view.rows.map((row) => (
          <RowLine key={row.key} row={row} color={color} />
        ))}
      </Box>
    )
  },
  (a, b) => a.view.signature === b.view.signature && a.color === b.color,
)
