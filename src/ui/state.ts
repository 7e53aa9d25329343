// What the TUI shows, as data: the `watch` stream (a snapshot, then events)
// folded into one UiState, and the table's lines derived from it (grouped by
// group with its phase, sorted by any column, filtered by name). Pure — no
// I/O, no clock of its own (`now` is passed in) — so every rule here is unit
// tested without a terminal, and the app only batches events and renders.
import {describeReason} from '../api/describe.js'
import type {GroupInfo, GroupPhase, HostInfo, InstanceInfo, InstanceState, StackInfo, StatusReply, WatchEvent} from '../api/protocol.js'
import {shownName} from '../api/targets.js'
import {formatAge} from '../util/format.js'

/** Samples kept per instance for the sparklines: enough for a 30-cell line, bounded whatever the uptime. */
export const HISTORY_SAMPLES = 30
/** Restarts and crashes kept per instance for the timeline. */
export const TIMELINE_EVENTS = 20

export interface TimelineEvent {
  /** ms since the epoch. */
  at: number
  kind: 'restart' | 'crash'
}

export interface History {
  cpu: number[]
  memory: number[]
  timeline: TimelineEvent[]
}

export interface StackEntry {
  name: string
  config: string
  groups: GroupInfo[]
  /** Instance names in the daemon's order (declaration order). */
  order: string[]
}

export interface UiState {
  /** In the order they came (the daemon's). */
  stacks: Map<string, StackEntry>
  /** Keyed by `stack/instance`. */
  instances: Map<string, InstanceInfo>
  history: Map<string, History>
  hosts: Map<string, HostInfo>
  /** Events missed because this watcher read too slowly, in total (a snapshot followed each time). */
  dropped: number
  /** Whether the first snapshot came. */
  loaded: boolean
}

export const keyOf = (stack: string, name: string) => `${stack}/${name}`

export function emptyState(): UiState {
  return {stacks: new Map(), instances: new Map(), history: new Map(), hosts: new Map(), dropped: 0, loaded: false}
}

const emptyHistory = (): History => ({cpu: [], memory: [], timeline: []})

function pushBounded<T>(list: T[], value: T, max: number): T[] {
  const next = list.length >= max ? list.slice(list.length - max + 1) : list.slice()
  next.push(value)
  return next
}

/** A crash worth a mark on the timeline: it went down on its own, not by a command. */
const crashStates: ReadonlySet<InstanceState> = new Set(['crashed', 'failed', 'backoff', 'unhealthy'])

/**
 * Fold a batch of events into a new state (the old one is left as it was:
 * the maps are copied once per batch, not per event, so a burst of thousands
 * of events costs one copy).
 */
export function applyEvents(state: UiState, events: readonly WatchEvent[], now: number): UiState {
  if (events.length === 0) return state
  const next: UiState = {
    stacks: new Map(state.stacks),
    instances: new Map(state.instances),
    history: new Map(state.history),
    hosts: new Map(state.hosts),
    dropped: state.dropped,
    loaded: state.loaded,
  }
  for (const event of events) apply(next, event, now)
  return next
}

/** Only what concerns `stack` (the screen shows one stack; the daemon's watch tells of every one). null: everything. */
export function onlyStack(event: WatchEvent, stack: string | null): WatchEvent | null {
  if (stack === null) return event
  switch (event.kind) {
    case 'snapshot':
      return {kind: 'snapshot', status: {...event.status, stacks: event.status.stacks.filter((s) => s.name === stack)}}
    case 'stack-added':
      return event.stack.name === stack ? event : null
    case 'stack-removed':
    case 'instance':
    case 'group':
      return event.stack === stack ? event : null
    case 'usage':
      return {...event, stacks: event.stacks.filter((s) => s.stack === stack)}
    default:
      return event
  }
}

function setStack(state: UiState, stack: StackInfo, now: number): void {
  state.stacks.set(stack.name, {name: stack.name, config: stack.config, groups: stack.groups, order: stack.instances.map((i) => i.name)})
  for (const info of stack.instances) setInstance(state, stack.name, info, now)
}

function removeStack(state: UiState, name: string): void {
  const entry = state.stacks.get(name)
  if (!entry) return
  state.stacks.delete(name)
  const prefix = `${name}/`
  for (const key of [...state.instances.keys()]) {
    if (key.startsWith(prefix)) {
      state.instances.delete(key)
      state.history.delete(key)
    }
  }
}

function setInstance(state: UiState, stack: string, info: InstanceInfo, now: number): void {
  const key = keyOf(stack, info.name)
  const before = state.instances.get(key)
  state.instances.set(key, info)
  const entry = state.stacks.get(stack)
  if (entry && !entry.order.includes(info.name)) state.stacks.set(stack, {...entry, order: [...entry.order, info.name]})
  if (!before) return
  let history = state.history.get(key)
  if (info.restarts > before.restarts) {
    history = history ?? emptyHistory()
    history = {...history, timeline: pushBounded(history.timeline, {at: now, kind: 'restart'}, TIMELINE_EVENTS)}
  }
  if (crashStates.has(info.state) && !crashStates.has(before.state)) {
    history = history ?? emptyHistory()
    history = {...history, timeline: pushBounded(history.timeline, {at: now, kind: 'crash'}, TIMELINE_EVENTS)}
  }
  if (history) state.history.set(key, history)
}

function apply(state: UiState, event: WatchEvent, now: number): void {
  switch (event.kind) {
    case 'snapshot':
      return applySnapshot(state, event.status, now)
    case 'stack-added':
      removeStack(state, event.stack.name)
      return setStack(state, event.stack, now)
    case 'stack-removed':
      return removeStack(state, event.stack)
    case 'instance':
      return setInstance(state, event.stack, event.instance, now)
    case 'group': {
      const entry = state.stacks.get(event.stack)
      if (!entry) return
      const groups = entry.groups.some((g) => g.name === event.group.name) ? entry.groups.map((g) => (g.name === event.group.name ? event.group : g)) : [...entry.groups, event.group]
      state.stacks.set(event.stack, {...entry, groups})
      return
    }
    case 'usage':
      for (const s of event.stacks) {
        for (const u of s.instances) {
          const key = keyOf(s.stack, u.name)
          const info = state.instances.get(key)
          if (!info) continue
          state.instances.set(key, {...info, cpu: u.cpu, memory: u.memory})
          const h = state.history.get(key) ?? emptyHistory()
          state.history.set(key, {...h, cpu: pushBounded(h.cpu, u.cpu, HISTORY_SAMPLES), memory: pushBounded(h.memory, u.memory, HISTORY_SAMPLES)})
        }
      }
      return
    case 'host':
      state.hosts.set(event.host.name, event.host)
      return
    case 'lagged':
      // The snapshot that follows replaces everything; until then what is shown is stale, and said to be.
      state.dropped += event.dropped
      return
  }
}

/** A snapshot replaces what is known, but keeps the history of instances that are still there. */
function applySnapshot(state: UiState, status: StatusReply, now: number): void {
  const seen = new Set<string>()
  for (const stack of status.stacks) {
    for (const i of stack.instances) seen.add(keyOf(stack.name, i.name))
  }
  for (const name of [...state.stacks.keys()]) if (!status.stacks.some((s) => s.name === name)) removeStack(state, name)
  for (const key of [...state.instances.keys()]) {
    if (!seen.has(key)) {
      state.instances.delete(key)
      state.history.delete(key)
    }
  }
  for (const stack of status.stacks) setStack(state, stack, now)
  state.hosts = new Map(status.hosts.map((h) => [h.name, h]))
  state.loaded = true
}

// ---------------------------------------------------------------- the table

export const COLUMNS = ['stack', 'group', 'name', 'host', 'state', 'health', 'pid', 'uptime', 'restarts', 'cpu', 'memory', 'reason'] as const
export type Column = (typeof COLUMNS)[number]

/** A symbol per state, so the table reads without color (NO_COLOR, a monochrome terminal, a screen reader). */
export const STATE_SYMBOL: Record<InstanceState, string> = {
  pending: '·',
  starting: '◌',
  running: '●',
  ready: '✓',
  stopping: '◍',
  stopped: '■',
  exited: '○',
  crashed: '✗',
  backoff: '↻',
  unhealthy: '!',
  failed: '✗',
}

export type Tone = 'green' | 'yellow' | 'red' | 'gray'

export const STATE_TONE: Record<InstanceState, Tone> = {
  pending: 'gray',
  starting: 'yellow',
  running: 'green',
  ready: 'green',
  stopping: 'yellow',
  stopped: 'gray',
  exited: 'gray',
  crashed: 'red',
  backoff: 'yellow',
  unhealthy: 'red',
  failed: 'red',
}

export const PHASE_TONE: Record<GroupPhase, Tone> = {
  pending: 'gray',
  waiting: 'yellow',
  blocked: 'red',
  starting: 'yellow',
  started: 'green',
  completed: 'gray',
  ready: 'green',
  failed: 'red',
  stopping: 'yellow',
  stopped: 'gray',
}

export interface Row {
  key: string
  stack: string
  info: InstanceInfo
  /** `web.2`, or `web.2@h1` on another host. */
  shown: string
  /** ms, while it runs. */
  uptime: number | null
  reason: string | null
}

export type Line =
  | {kind: 'group'; key: string; stack: string; group: GroupInfo; count: number; showStack: boolean}
  | {kind: 'instance'; key: string; row: Row}

export interface TableOptions {
  sort: Column
  desc: boolean
  /** Substring of the shown name (case-insensitive); empty: everything. */
  filter: string
  now: number
}

export function rowOf(stack: string, info: InstanceInfo, now: number): Row {
  return {
    key: keyOf(stack, info.name),
    stack,
    info,
    shown: shownName(info.name, info.host),
    uptime: info.startedAt && info.pid !== null ? Math.max(0, now - Date.parse(info.startedAt)) : null,
    reason: describeReason(info, now),
  }
}

const stateRank: Record<InstanceState, number> = {failed: 0, crashed: 1, unhealthy: 2, backoff: 3, stopping: 4, starting: 5, pending: 6, running: 7, ready: 8, exited: 9, stopped: 10}

function sortValue(row: Row, column: Column): string | number | null {
  const i = row.info
  switch (column) {
    case 'stack':
      return row.stack
    case 'group':
      return i.group
    case 'name':
      return null // declaration order (the daemon's), which reads web.2 before web.10
    case 'host':
      return i.host
    case 'state':
      return stateRank[i.state]
    case 'health':
      return i.health ?? ''
    case 'pid':
      return i.pid
    case 'uptime':
      return row.uptime
    case 'restarts':
      return i.restarts
    case 'cpu':
      return i.cpu
    case 'memory':
      return i.memory
    case 'reason':
      return row.reason ?? ''
  }
}

/** Compare two rows by a column; missing values (no pid, no usage) sort last either way. `order` breaks ties. */
export function compareRows(a: Row, b: Row, column: Column, desc: boolean, order: (r: Row) => number): number {
  const va = sortValue(a, column)
  const vb = sortValue(b, column)
  if (va !== vb) {
    if (va === null) return 1
    if (vb === null) return -1
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb))
    if (c !== 0) return desc ? -c : c
  }
  const o = order(a) - order(b)
  return column === 'name' && desc ? -o : o
}

/** The table: per stack, per group (in the stack's group order), a phase line and its instances sorted and filtered. */
export function tableLines(state: UiState, options: TableOptions): Line[] {
  const lines: Line[] = []
  const needle = options.filter.toLowerCase()
  const showStack = state.stacks.size > 1
  for (const stack of state.stacks.values()) {
    const position = new Map(stack.order.map((name, i) => [name, i]))
    const order = (r: Row) => position.get(r.info.name) ?? Number.MAX_SAFE_INTEGER
    const byGroup = new Map<string, Row[]>()
    for (const name of stack.order) {
      const info = state.instances.get(keyOf(stack.name, name))
      if (!info) continue
      const row = rowOf(stack.name, info, options.now)
      if (needle && !row.shown.toLowerCase().includes(needle)) continue
      const list = byGroup.get(info.group) ?? byGroup.set(info.group, []).get(info.group)!
      list.push(row)
    }
    const groups = [...stack.groups]
    for (const name of byGroup.keys()) if (!groups.some((g) => g.name === name)) groups.push({name, phase: 'pending', reason: null, reasonCode: null, dependsOn: []})
    for (const group of groups) {
      const rows = byGroup.get(group.name)
      // A group none of whose instances match the filter is not shown; with no filter, an empty group still says its phase.
      if (!rows && needle) continue
      lines.push({kind: 'group', key: `${stack.name}//${group.name}`, stack: stack.name, group, count: rows?.length ?? 0, showStack})
      for (const row of (rows ?? []).sort((a, b) => compareRows(a, b, options.sort, options.desc, order))) lines.push({kind: 'instance', key: row.key, row})
    }
  }
  return lines
}

/**
 * Whether moving the clock from `from` to `to` changes what the table shows:
 * an uptime as the table writes it (formatAge), or a restart countdown. When
 * nothing does, the screen need not even be looked at.
 */
export function clockChangesTable(state: UiState, from: number, to: number): boolean {
  for (const info of state.instances.values()) {
    if (info.reasonCode === 'backoff' && info.nextRestartAt) return true
    if (!info.startedAt || info.pid === null) continue
    const started = Date.parse(info.startedAt)
    if (formatAge(from - started) !== formatAge(to - started)) return true
  }
  return false
}

/** Whether every instance shown is up (ready, running without a probe, a oneshot done): `--detach-on-ready`. */
export function allReady(state: UiState, isUp: (i: InstanceInfo) => boolean): boolean {
  return state.loaded && state.instances.size > 0 && [...state.instances.values()].every(isUp)
}

// ---------------------------------------------------------------- sparklines

const BARS = '▁▂▃▄▅▆▇█'

/**
 * The last `width` samples as bars scaled to their maximum (CPU: at least
 * 100 %, so an idle line stays low). `relative`: from their minimum instead
 * of zero, so memory that grows by a few percent still shows the growth.
 */
export function sparkline(values: readonly number[], width: number, floor = 0, relative = false): string {
  const shown = values.slice(-width)
  if (shown.length === 0) return ''
  const max = Math.max(floor, ...shown)
  const min = relative ? Math.min(...shown) : 0
  if (max - min <= 0) return BARS[0]!.repeat(shown.length)
  return shown.map((v) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.round(((v - min) / (max - min)) * (BARS.length - 1))))]).join('')
}

/**
 * The restart timeline: the last `spanMs` in `width` cells, a mark where
 * something happened (✗ a crash, ↻ a restart, · nothing). A crash loop is a
 * row of marks; a stable service a row of dots.
 */
export function timeline(events: readonly TimelineEvent[], now: number, spanMs: number, width: number): string {
  const cells = Array<string>(width).fill('·')
  for (const e of events) {
    const age = now - e.at
    if (age < 0 || age >= spanMs) continue
    const cell = width - 1 - Math.floor((age / spanMs) * width)
    if (cells[cell] !== '✗') cells[cell] = e.kind === 'crash' ? '✗' : '↻'
  }
  return cells.join('')
}
