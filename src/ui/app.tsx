// The TUI's screen: the table and the log pane, a status line where every
// action's outcome lands, and the views (details, graph, help, the signal
// picker, the reload confirmation). It is a client of the API only: state
// comes from one `watch` subscription (use-watch.ts), keys are dispatched by
// app-keys.ts, actions fired by actions.ts.
//
// A frame costs only when something shown changed: every piece of the screen
// is a memoised element, made again only when its content changed. When
// nothing did — an idle stack's usage sample, a clock tick inside a minute
// of uptime — the app returns the very same element, React commits nothing
// and ink draws nothing (see table.tsx for the rows).
import {Box, Text, useInput, useStdout, type Key} from 'ink'
import React, {useCallback, useEffect, useMemo, useRef, useState} from 'react'
import type {DaemonClient} from '../api/client.js'
import {isUp} from '../api/instance-state.js'
import {makeActions, targetOf, type DetailsState, type PendingReload, type StackPlan, type Target, type Tone, type View} from './actions.js'
import {handleKey, type KeyContext, type LogToggle} from './app-keys.js'
import {handleMouse} from './app-mouse.js'
import {Details} from './details.js'
import {Graph} from './graph.js'
import {Help} from './help.js'
import {DEFAULT_KEYS, splitKeys, type KeyMap} from './keys.js'
import {LogsPane, type LogsPaneHandle, type LogsPaneProps} from './logs-pane.js'
import {parseMouse, type MouseEvent} from './mouse.js'
import {headerLine, hints, ReloadConfirm, SignalPicker, SIGNALS} from './overlays.js'
import {allReady, COLUMNS, keyOf, tableLines} from './state.js'
import {Table, tableView, windowStart, type Scaled} from './table.js'
import {useWatchState} from './use-watch.js'

export type {StackPlan} from './actions.js'
export {reloadLines, SIGNALS} from './overlays.js'

export interface UiApi {
  /** watch, logs, describe, start/stop/restart/signal, reload, scale (a DaemonClient, or a fake in tests). */
  client: Pick<DaemonClient, 'call' | 'stream'>
  /** The stack shown (null: all). */
  stack: string | null
  /** Plan from the config file for reload (dry run first) — given by the command, which loads config. Absent: reload is hidden. */
  reloadPlan?(): Promise<StackPlan>
  readOnly: boolean
  detachOnReady: boolean
}

export type ExitReason = 'quit' | 'detached'

export interface AppProps {
  api: UiApi
  keys?: KeyMap
  color: boolean
  onExit(reason: ExitReason): void
  /** Fixed size (tests); otherwise the terminal's, redrawn on resize. */
  width?: number
  height?: number
  /** How long events are batched before a frame. */
  renderMs?: number
  /** A line for the status bar at start (a warning about keys.yaml), instead of the usual hint. */
  notice?: string
}

/** A frame at most this often: a flood of events or usage samples is folded into one render. */
export const RENDER_MS = 80

interface Status {
  text: string
  tone: Tone
}

type Toggles = LogsPaneProps['toggles']

export function App(props: AppProps): React.ReactElement {
  const {api, color} = props
  const keys = props.keys ?? DEFAULT_KEYS
  const {width, height} = useScreenSize(props.width, props.height)
  const compact = width < 80 || height < 23
  const [view, setView] = useState<View>('main')
  // The details view shows times ("3s ago") of its own: it wants the clock every second.
  const {state, now} = useWatchState(api.client, api.stack, props.renderMs ?? RENDER_MS, view === 'details')

  // ------------------------------------------------------------ table
  const [sortIndex, setSortIndex] = useState(COLUMNS.indexOf('name'))
  const [desc, setDesc] = useState(false)
  const [filter, setFilter] = useState('')
  const [filtering, setFiltering] = useState(false)
  const sort = COLUMNS[sortIndex]!
  const lines = useMemo(() => tableLines(state, {sort, desc, filter, now}), [state, sort, desc, filter, now])
  const [selectedKey, setSelectedKey] = useState<string | null>(null)
  const lastIndex = useRef(0)
  let selected = selectedKey === null ? -1 : lines.findIndex((l) => l.key === selectedKey)
  if (selected < 0) selected = lines.length === 0 ? 0 : Math.min(lastIndex.current, lines.length - 1)
  lastIndex.current = selected
  const target = targetOf(lines[selected])
  // Moves count from the last move, not from this render: keys that come faster than frames (a held j) each move one row.
  const moveTo = (index: number) => {
    const clamped = Math.max(0, Math.min(lines.length - 1, index))
    const line = lines[clamped]
    if (!line) return
    lastIndex.current = clamped
    setSelectedKey(line.key)
  }

  // ------------------------------------------------------------ views and status
  const [focus, setFocus] = useState<'table' | 'logs'>('table')
  const [fullScreen, setFullScreen] = useState(false)
  const [toggles, setToggles] = useState<Toggles>({follow: true, wrap: false, timestamps: false, stderrOnly: false})
  // Full screen is the app's layout; the other toggles are the pane's view (the pane asks for both while focused).
  const onToggle = useCallback((name: LogToggle) => (name === 'fullScreen' ? setFullScreen((f) => !f) : setToggles((t) => ({...t, [name]: !t[name]}))), [])
  const logsTyping = useRef(false)
  const onTyping = useCallback((typing: boolean) => void (logsTyping.current = typing), [])
  const [status, setStatus] = useState<Status>({text: props.notice ?? (api.readOnly ? 'read-only: actions are off' : 'press ? for keys'), tone: props.notice ? 'yellow' : 'gray'})
  const [signalIndex, setSignalIndex] = useState(0)
  const [signalTarget, setSignalTarget] = useState<Target | null>(null)
  const [reload, setReload] = useState<PendingReload | null>(null)
  const [details, setDetails] = useState<DetailsState | null>(null)
  const [scaled, setScaled] = useState<Map<string, Scaled>>(new Map())
  const mounted = useRef(true)
  useEffect(
    () => () => {
      mounted.current = false
    },
    [],
  )
  const say = useCallback((text: string, tone: Tone = 'gray') => {
    if (mounted.current) setStatus({text, tone})
  }, [])

  // ------------------------------------------------------------ detach once ready
  const exited = useRef(false)
  const {onExit} = props
  const exit = useCallback(
    (reason: ExitReason) => {
      if (exited.current) return
      exited.current = true
      onExit(reason)
    },
    [onExit],
  )
  useEffect(() => {
    if (api.detachOnReady && allReady(state, isUp)) exit('detached')
  }, [api.detachOnReady, state, exit])

  // ------------------------------------------------------------ keys
  const actions = makeActions({
    client: api.client,
    readOnly: api.readOnly,
    stack: api.stack,
    reloadPlan: api.reloadPlan,
    state,
    lines,
    get selected() {
      return lastIndex.current
    },
    scaled,
    setScaled,
    say,
    setView,
    reload,
    setReload,
    setDetails,
    openSignalPicker: (who) => {
      setSignalTarget(who)
      setSignalIndex(0)
      setView('signal')
    },
    isMounted: () => mounted.current,
  })
  const tableHeight = tableHeightOf(height, compact, fullScreen)
  const keyContext: KeyContext = {
    keys,
    view,
    filtering,
    focus,
    logsTyping: logsTyping.current,
    signalTarget,
    signalIndex,
    pageRows: Math.max(1, tableHeight - 1),
    lineCount: lines.length,
    actions,
    exit: () => exit('quit'),
    say,
    setView,
    setFiltering,
    editFilter: setFilter,
    moveSignal: (by) => setSignalIndex((i) => (i + SIGNALS.length + by) % SIGNALS.length),
    moveBy: (rows) => moveTo(lastIndex.current + rows),
    moveTo,
    toggleFocus: () => setFocus((f) => (f === 'table' ? 'logs' : 'table')),
    toggle: onToggle,
    cycleSort: () => setSortIndex((i) => (i + 1) % COLUMNS.length),
    reverseSort: () => setDesc((d) => !d),
  }
  // Keys go to the handler of the latest render (assigned as it renders), never to one closed over an older state.
  const onKey = useRef<(input: string, key: Key) => void>(() => {})
  onKey.current = (input, key) => {
    if (!exited.current) handleKey({...keyContext, logsTyping: logsTyping.current}, input, key)
  }
  const onMouse = useRef<(event: MouseEvent) => void>(() => {})
  useInput((input: string, key: Key) => {
    // A mouse report is one input (see mouse.ts): the mouse's, never keys.
    const mouse = parseMouse(input)
    if (mouse) return onMouse.current(mouse)
    // Several characters in one read (keys faster than frames, a paste) are several keys.
    for (const [char, k] of splitKeys(input, key)) onKey.current(char, k)
  })

  // ------------------------------------------------------------ layout, each piece made again only when it changed
  const bodyHeight = Math.max(3, height - (compact ? 2 : 3))
  const header = headerLine(state, api, sort, desc, filter, filtering)
  const logSelection = useMemo(
    () => (target ? {stack: target.stack, targets: [target.name]} : {stack: api.stack, targets: []}),
    [target?.stack, target?.name, api.stack],
  )
  const table = tableView({lines, selected, height: tableHeight, width, compact, focused: focus === 'table', history: state.history, scaled})
  const logHeight = Math.max(0, bodyHeight - tableHeight - (tableHeight > 0 ? 1 : 0))
  // The mouse (app-mouse.ts), against where this render puts the table's lines and the log pane.
  const logsPane = useRef<LogsPaneHandle>(null)
  onMouse.current = (event) => {
    if (exited.current) return
    const layout = {tableHeight, firstLine: windowStart(lines.length, selected, Math.max(1, tableHeight - 1)), lineCount: lines.length, logHeight}
    handleMouse({view, layout, moveTo, moveBy: keyContext.moveBy, focus: setFocus, scrollLogs: (rows) => logsPane.current?.scroll(rows)}, event)
  }
  const headerEl = useMemo(() => <Text wrap="truncate" bold>{header}</Text>, [header])
  const tableEl = useMemo(() => (tableHeight > 0 ? <Table view={table} color={color} /> : null), [table.signature, tableHeight, color]) // eslint-disable-line react-hooks/exhaustive-deps
  const logsTitle = `── logs: ${logSelection.targets.join(' ') || logSelection.stack || 'all stacks'} ${focus === 'logs' ? '(focused)' : '(tab)'} ${'─'.repeat(Math.max(0, width))}`
  const logsEl = useMemo(
    () => (
      <>
        {tableHeight > 0 && <Text dimColor={color} wrap="truncate">{logsTitle}</Text>}
        {logHeight > 0 && <LogsPane ref={logsPane} source={api.client} selection={logSelection} width={width} height={logHeight} focused={focus === 'logs'} keys={keys} color={color} toggles={toggles} onToggle={onToggle} onTyping={onTyping} />}
      </>
    ),
    [tableHeight, color, logsTitle, logHeight, api.client, logSelection, width, focus, keys, toggles, onToggle, onTyping],
  )
  const statusEl = useMemo(() => <Text wrap="truncate" color={color ? status.tone : undefined}>{status.text}</Text>, [status, color])
  const hintsEl = useMemo(() => (compact ? null : <Text wrap="truncate" dimColor={color}>{hints(keys, api.readOnly)}</Text>), [compact, color, keys, api.readOnly])

  let body: React.ReactElement
  if (view === 'details' && details) {
    body = <Details name={details.name} description={details.description} error={details.error} history={state.history.get(keyOf(details.stack, details.name))} now={now} width={width} height={bodyHeight} color={color} />
  } else if (view === 'graph') {
    body = <Graph state={state} width={width} height={bodyHeight} color={color} />
  } else if (view === 'help') {
    body = <Help keys={keys} readOnly={api.readOnly} width={width} height={bodyHeight} color={color} />
  } else if (view === 'reload' && reload) {
    body = <ReloadConfirm stack={reload.stack} reply={reload.reply} width={width} height={bodyHeight} color={color} />
  } else {
    body = (
      <MainBody key="main" width={width} height={bodyHeight}>
        {tableEl}
        {view === 'signal' && signalTarget ? <SignalPicker target={signalTarget.name} index={signalIndex} height={logHeight + 1} /> : logsEl}
      </MainBody>
    )
  }
  // The main body is rebuilt only when one of its pieces is; the other views are cheap and change with the state anyway.
  const onMain = view === 'main' || (view === 'signal' && signalTarget !== null)
  const bodyEl = useMemo(() => body, [onMain ? null : body, view, tableEl, logsEl, signalIndex, signalTarget, width, bodyHeight]) // eslint-disable-line react-hooks/exhaustive-deps
  return useMemo(
    () => (
      <Box flexDirection="column" width={width} height={height}>
        {headerEl}
        {bodyEl}
        {statusEl}
        {hintsEl}
      </Box>
    ),
    [width, height, headerEl, bodyEl, statusEl, hintsEl],
  )
}

function MainBody(props: {width: number; height: number; children: React.ReactNode}): React.ReactElement {
  return (
    <Box flexDirection="column" height={props.height} width={props.width}>
      {props.children}
    </Box>
  )
}

/** The terminal's size, followed on resize; or the fixed size a test gives. */
function useScreenSize(fixedWidth: number | undefined, fixedHeight: number | undefined): {width: number; height: number} {
  const {stdout} = useStdout()
  const [size, setSize] = useState(() => ({width: stdout?.columns || 80, height: stdout?.rows || 24}))
  useEffect(() => {
    if (!stdout) return
    const onResize = () => setSize({width: stdout.columns || 80, height: stdout.rows || 24})
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  // One line short of the terminal: ink redraws a frame as tall as the screen by clearing it, which flickers.
  return {width: fixedWidth ?? size.width, height: fixedHeight ?? Math.max(5, size.height - 1)}
}

/** The table's share of the screen (its header included); the log pane takes the rest. */
function tableHeightOf(height: number, compact: boolean, fullScreen: boolean): number {
  if (fullScreen) return 0
  const body = Math.max(3, height - (compact ? 2 : 3))
  return Math.max(2, Math.floor(body * (compact ? 0.65 : 0.55)))
}
