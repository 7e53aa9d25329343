// The TUI's screen: the table and the log pane, a status line where every
// action's outcome lands, and the views (details, graph, help, the signal
// picker, the reload confirmation). It is a client of the API only: state
// comes from one `watch` subscription (a snapshot, then events — never a
// status poll), batched and rendered at most every RENDER_MS so a burst of
// thousands of events costs one frame. Actions never block the screen: the
// call is fired, the status line says so, and its outcome replaces it.
import {Box, Text, useInput, useStdout, type Key} from 'ink'
import React, {useCallback, useEffect, useMemo, useRef, useState} from 'react'
import type {DaemonClient} from '../api/client.js'
import {isUp} from '../api/instance-state.js'
import type {Calls, InstanceDescription, ReloadReply, StackRef, TargetsReply, WatchEvent} from '../api/protocol.js'
import {Details} from './details.js'
import {Graph} from './graph.js'
import {Help, MUTATING} from './help.js'
import {actionOf, DEFAULT_KEYS, type Action, type KeyMap} from './keys.js'
import {LogsPane, type LogsPaneProps} from './logs-pane.js'
import {allReady, applyEvents, COLUMNS, emptyState, keyOf, onlyStack, tableLines, type Line, type UiState} from './state.js'
import {Table, type Scaled} from './table.js'

/** A stack's plan as `reload` takes it (the UI may not import the config part, so it is named through the protocol). */
export type StackPlan = Calls['reload']['params']['plan']

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
}

/** A frame at most this often: a flood of events or usage samples is folded into one render. */
export const RENDER_MS = 80

export const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL', 'SIGQUIT', 'SIGWINCH'] as const

type View = 'main' | 'details' | 'graph' | 'help' | 'signal' | 'reload'
type Tone = 'green' | 'yellow' | 'red' | 'gray'

interface Status {
  text: string
  tone: Tone
}

/** What an action acts on: an instance, or a whole group (restart is then the daemon's rolling restart). */
interface Target {
  stack: string
  name: string
  kind: 'instance' | 'group'
  runner: string | null
}

function targetOf(line: Line | undefined): Target | null {
  if (!line) return null
  if (line.kind === 'group') return {stack: line.stack, name: line.group.name, kind: 'group', runner: null}
  return {stack: line.row.stack, name: line.row.info.name, kind: 'instance', runner: line.row.info.runner}
}

function outcome(reply: TargetsReply): {ok: boolean; text: string} {
  const failed = reply.results.filter((r) => !r.ok)
  if (failed.length === 0) return {ok: true, text: ''}
  return {ok: false, text: failed.map((r) => `${r.instance}: ${r.message}`).join('; ')}
}

export function reloadLines(reply: ReloadReply): string[] {
  const lines = reply.changes.map((c) => {
    const where = c.fromHost ? ` (moves ${c.fromHost} → ${c.host})` : ''
    if (c.change === 'added') return `+ ${c.instance} added${where}`
    if (c.change === 'removed') return `- ${c.instance} removed${where}`
    return `~ ${c.instance} changed: ${(c.fields ?? []).join(', ')}${where}`
  })
  if (reply.structural.length > 0) lines.push(`the stack restarts as a whole: ${reply.structural.join('; ')}`)
  return lines
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

export function App(props: AppProps): React.ReactElement {
  const {api, color} = props
  const keys = props.keys ?? DEFAULT_KEYS
  const renderMs = props.renderMs ?? RENDER_MS

  // ------------------------------------------------------------ size
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
  const width = props.width ?? size.width
  // One line short of the terminal: ink redraws a frame as tall as the screen by clearing it, which flickers.
  const height = props.height ?? Math.max(5, size.height - 1)
  const compact = width < 80 || height < 23

  // ------------------------------------------------------------ state from the watch stream
  const [state, setState] = useState<UiState>(emptyState)
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    let queue: WatchEvent[] = []
    let timer: NodeJS.Timeout | null = null
    let drawnAt = 0
    const flush = () => {
      timer = null
      const events = queue
      queue = []
      const at = Date.now()
      drawnAt = at
      setState((s) => applyEvents(s, events, at))
      setNow(at)
    }
    const handle = api.client.stream('watch', {usage: true}, {
      item: (all) => {
        const event = onlyStack(all, api.stack)
        if (!event) return
        queue.push(event)
        // The first snapshot is drawn at once; later events wait for the next frame.
        if (event.kind === 'snapshot' && !timer) flush()
        else timer ??= setTimeout(flush, renderMs)
      },
    })
    handle.done.catch(() => {}) // a lost connection is run-ui's to report
    // Uptimes move by the second: a frame each second, unless events drew one just now
    // (the usage samples usually do) — one frame a second at idle, not two.
    const tick = setInterval(() => {
      if (Date.now() - drawnAt >= 900) setNow(Date.now())
    }, 1000)
    return () => {
      if (timer) clearTimeout(timer)
      clearInterval(tick)
      handle.cancel()
    }
  }, [api.client, api.stack, renderMs])

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
  const current = lines[selected]
  const target = targetOf(current)
  // Moves count from the last move, not from this render: keys that come faster than frames (a held j) each move one row.
  const moveTo = (index: number) => {
    const clamped = Math.max(0, Math.min(lines.length - 1, index))
    const line = lines[clamped]
    if (!line) return
    lastIndex.current = clamped
    setSelectedKey(line.key)
  }
  const moveBy = (rows: number) => moveTo(lastIndex.current + rows)

  // ------------------------------------------------------------ views and status
  const [view, setView] = useState<View>('main')
  const [focus, setFocus] = useState<'table' | 'logs'>('table')
  const [fullScreen, setFullScreen] = useState(false)
  const [toggles, setToggles] = useState<LogsPaneProps['toggles']>({follow: true, wrap: false, timestamps: false, stderrOnly: false})
  // Full screen is the app's layout; the other toggles are the pane's view (the pane asks for both while focused).
  const onToggle = useCallback((name: keyof LogsPaneProps['toggles']) => (name === 'fullScreen' ? setFullScreen((f) => !f) : setToggles((t) => ({...t, [name]: !t[name]}))), [])
  const logsTyping = useRef(false)
  const onTyping = useCallback((typing: boolean) => void (logsTyping.current = typing), [])
  const [status, setStatus] = useState<Status>({text: api.readOnly ? 'read-only: actions are off' : 'press ? for keys', tone: 'gray'})
  const [signalIndex, setSignalIndex] = useState(0)
  const [signalTarget, setSignalTarget] = useState<Target | null>(null)
  const [reload, setReload] = useState<{stack: string; plan: StackPlan; reply: ReloadReply} | null>(null)
  const [details, setDetails] = useState<{stack: string; name: string; description: InstanceDescription | null; error: string | null} | null>(null)
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
  const exit = useCallback(
    (reason: ExitReason) => {
      if (exited.current) return
      exited.current = true
      props.onExit(reason)
    },
    [props.onExit],
  )
  useEffect(() => {
    if (api.detachOnReady && allReady(state, isUp)) exit('detached')
  }, [api.detachOnReady, state, exit])

  // ------------------------------------------------------------ actions
  const client = api.client
  const fire = (verb: string, doing: string, done: string, who: Target, call: () => Promise<TargetsReply>) => {
    const shown = who.kind === 'group' ? `group ${who.name}` : who.name
    say(`${doing} ${shown}…`, 'yellow')
    call().then(
      (reply) => {
        const o = outcome(reply)
        say(o.ok ? `${done} ${shown}` : `${verb} ${shown}: ${o.text}`, o.ok ? 'green' : 'red')
      },
      (error: unknown) => say(`${verb} ${shown}: ${message(error)}`, 'red'),
    )
  }
  const ref = (stack: string): StackRef => ({name: stack})
  const targetsOf = (who: Target) => ({stack: ref(who.stack), targets: [who.name]})

  const runnerCount = (stack: string, runner: string) => [...state.instances.entries()].filter(([key, i]) => key.startsWith(`${stack}/`) && i.runner === runner).length

  const scale = (who: Target, by: number) => {
    if (!who.runner) return say('scale: select an instance of the runner to scale', 'yellow')
    const runner = who.runner
    const key = `${who.stack}/${runner}`
    const before = scaled.get(key)
    const file = before?.file ?? runnerCount(who.stack, runner)
    const to = Math.max(0, (before?.scale ?? runnerCount(who.stack, runner)) + by)
    setScaled((m) => new Map(m).set(key, {scale: to, file}))
    say(`scaling ${runner} to ${to}…`, 'yellow')
    client.call('scale', {stack: ref(who.stack), runner, scale: to}).then(
      () => say(`${runner} ×${to} (file: ${file})`, 'green'),
      (error: unknown) => {
        setScaled((m) => {
          const next = new Map(m)
          if (before) next.set(key, before)
          else next.delete(key)
          return next
        })
        say(`scale ${runner}: ${message(error)}`, 'red')
      },
    )
  }

  const planReload = () => {
    const stack = target?.stack ?? api.stack ?? [...state.stacks.keys()][0]
    if (!api.reloadPlan || !stack) return say('reload: not available here (run mar ui in the stack’s directory, or mar reload)', 'yellow')
    say('reload: comparing the config with what runs…', 'yellow')
    const planOf = api.reloadPlan
    void (async () => {
      try {
        const plan = await planOf()
        const reply = await client.call('reload', {plan, dryRun: true})
        if (!mounted.current) return
        if (reply.changes.length === 0 && reply.structural.length === 0) return say('reload: no changes', 'green')
        setReload({stack: plan.name, plan, reply})
        setView('reload')
        say('reload: y or enter to apply, esc to cancel', 'yellow')
      } catch (error) {
        say(`reload: ${message(error)}`, 'red')
      }
    })()
  }

  const applyReload = () => {
    if (!reload) return
    const {plan} = reload
    setReload(null)
    setView('main')
    say(`reloading ${plan.name}…`, 'yellow')
    client.call('reload', {plan, dryRun: false}).then(
      (reply) => {
        const blocked = reply.blocked ?? []
        if (blocked.length > 0) say(`reload: not applied to ${blocked.map((b) => `${b.instance} (${b.reason})`).join(', ')}`, 'red')
        else say(`reloaded ${plan.name}: ${reply.changes.length} change${reply.changes.length === 1 ? '' : 's'}`, 'green')
      },
      (error: unknown) => say(`reload: ${message(error)}`, 'red'),
    )
  }

  const openDetails = (selectedTarget: Target) => {
    // On a group's row: its first instance (what `d` most likely means there).
    let who: Target | null = selectedTarget
    if (who.kind !== 'instance') {
      const first = lines.slice(lastIndex.current + 1).find((l) => l.kind === 'instance')
      who = first && first.kind === 'instance' && first.row.info.group === selectedTarget.name ? targetOf(first) : null
    }
    if (!who) return say('details: select an instance', 'yellow')
    setDetails({stack: who.stack, name: who.name, description: null, error: null})
    setView('details')
    client.call('describe', {stack: ref(who.stack), target: who.name}).then(
      (description) => mounted.current && setDetails((d) => (d && d.name === who.name ? {...d, description} : d)),
      (error: unknown) => mounted.current && setDetails((d) => (d && d.name === who.name ? {...d, error: message(error)} : d)),
    )
  }

  const act = (action: Action) => {
    if (MUTATING.has(action) && api.readOnly) return say(`read-only: ${action} is not available`, 'yellow')
    if (action === 'reload') return planReload()
    if (!target) return say('nothing selected', 'yellow')
    switch (action) {
      case 'restart':
        return fire('restart', 'restarting', 'restarted', target, () => client.call('restart', targetsOf(target)))
      case 'stop':
        return fire('stop', 'stopping', 'stopped', target, () => client.call('stop', targetsOf(target)))
      case 'start':
        return fire('start', 'starting', 'started', target, () => client.call('start', targetsOf(target)))
      case 'signal':
        setSignalTarget(target)
        setSignalIndex(0)
        setView('signal')
        return say(`signal for ${target.name}: pick one, enter to send, esc to cancel`)
      case 'scaleUp':
        return scale(target, 1)
      case 'scaleDown':
        return scale(target, -1)
      case 'details':
        return openDetails(target)
      default:
        return
    }
  }

  // ------------------------------------------------------------ keys
  const tableRows = Math.max(1, tableHeightOf(height, compact, fullScreen) - 1)
  // Keys go to the handler of the latest render (assigned as it renders), never to one closed over an older state.
  const onKey = useRef<(input: string, key: Key) => void>(() => {})
  useInput((input: string, key: Key) => {
    // Several characters in one read (keys faster than frames, a paste) are several keys.
    if (input.length > 1 && !key.ctrl && !key.meta) for (const char of input) onKey.current(char, key)
    else onKey.current(input, key)
  })
  onKey.current = (input: string, key: Key) => {
    if (exited.current) return
    // Ctrl-C quits from anywhere, as in every terminal program (ink is told not to exit by itself: run-ui restores the terminal).
    if (key.ctrl && input === 'c') return exit('quit')
    if (filtering) {
      if (key.return) return setFiltering(false)
      if (key.escape) {
        setFilter('')
        return setFiltering(false)
      }
      if (key.backspace || key.delete) return setFilter((f) => f.slice(0, -1))
      if (input && !key.ctrl && !key.meta) setFilter((f) => f + input)
      return
    }
    if (view === 'signal') {
      if (key.escape || input === 'q') {
        setView('main')
        return say('signal: cancelled')
      }
      if (key.upArrow || input === 'k') return setSignalIndex((i) => (i + SIGNALS.length - 1) % SIGNALS.length)
      if (key.downArrow || input === 'j') return setSignalIndex((i) => (i + 1) % SIGNALS.length)
      if (key.return && signalTarget) {
        const signal = SIGNALS[signalIndex]!
        const who = signalTarget
        setView('main')
        return fire(`signal ${signal}`, `sending ${signal} to`, `sent ${signal} to`, who, () => client.call('signal', {...targetsOf(who), signal}))
      }
      return
    }
    if (view === 'reload') {
      if (input === 'y' || key.return) return applyReload()
      if (input === 'n' || input === 'q' || key.escape) {
        setReload(null)
        setView('main')
        return say('reload: cancelled')
      }
      return
    }
    if (view !== 'main') {
      const action = actionOf(keys, input, key, 'table')
      if (key.escape || action === 'quit' || action === view || (view === 'details' && action === 'details')) setView('main')
      return
    }
    // While the log pane's search prompt takes text, every key is the pane's (a `q` in a search is a letter).
    if (focus === 'logs' && logsTyping.current) return
    const action = actionOf(keys, input, key, focus === 'logs' ? 'logs' : 'table')
    if (action === 'quit') return exit('quit')
    if (action === 'nextPane') return setFocus((f) => (f === 'table' ? 'logs' : 'table'))
    if (action === 'help') return setView('help')
    // The log pane takes its own keys (scroll, search, g/G, the toggles: they come back through onToggle) while focused.
    if (focus === 'logs') return
    if (action === 'fullScreen') return setFullScreen((f) => !f)
    switch (action) {
      case 'up':
        return moveBy(-1)
      case 'down':
        return moveBy(1)
      case 'pageUp':
        return moveBy(-tableRows)
      case 'pageDown':
        return moveBy(tableRows)
      case 'top':
        return moveTo(0)
      case 'bottom':
        return moveTo(lines.length - 1)
      case 'filter':
        setFiltering(true)
        return
      case 'sort':
        setSortIndex((i) => (i + 1) % COLUMNS.length)
        return
      case 'sortReverse':
        setDesc((d) => !d)
        return
      case 'follow':
      case 'wrap':
      case 'timestamps':
      case 'stderrOnly':
        return onToggle(action)
      case 'graph':
        return setView('graph')
      case null:
      case 'search':
      case 'nextMatch':
      case 'prevMatch':
        return
      default:
        return act(action)
    }
  }

  // ------------------------------------------------------------ layout
  const bodyHeight = Math.max(3, height - (compact ? 2 : 3))
  const header = headerLine(state, api, sort, desc, filter, filtering)
  const logSelection = useMemo(
    () => (target ? {stack: target.stack, targets: [target.name]} : {stack: api.stack, targets: []}),
    [target?.stack, target?.name, api.stack],
  )
  let body: React.ReactElement
  if (view === 'details' && details) {
    body = <Details name={details.name} description={details.description} error={details.error} history={state.history.get(keyOf(details.stack, details.name))} now={now} width={width} height={bodyHeight} color={color} />
  } else if (view === 'graph') {
    body = <Graph state={state} width={width} height={bodyHeight} color={color} />
  } else if (view === 'help') {
    body = <Help keys={keys} readOnly={api.readOnly} width={width} height={bodyHeight} color={color} />
  } else if (view === 'reload' && reload) {
    const diff = reloadLines(reload.reply)
    body = (
      <Box flexDirection="column" height={bodyHeight} width={width}>
        <Text bold>{`reload ${reload.stack}: apply these changes? (y / enter: apply, esc: cancel)`}</Text>
        {diff.slice(0, bodyHeight - 1).map((line, n) => (
          <Text key={n} wrap="truncate" color={color ? (line.startsWith('+') ? 'green' : line.startsWith('-') ? 'red' : 'yellow') : undefined}>
            {line}
          </Text>
        ))}
      </Box>
    )
  } else {
    const tableHeight = tableHeightOf(height, compact, fullScreen)
    const logHeight = Math.max(0, bodyHeight - tableHeight - (tableHeight > 0 ? 1 : 0))
    body = (
      <Box flexDirection="column" height={bodyHeight} width={width}>
        {tableHeight > 0 && (
          <Table lines={lines} selected={selected} height={tableHeight} width={width} compact={compact} color={color} focused={focus === 'table'} history={state.history} scaled={scaled} />
        )}
        {view === 'signal' && signalTarget ? (
          <SignalPicker target={signalTarget.name} index={signalIndex} color={color} height={logHeight + 1} />
        ) : (
          <>
            {tableHeight > 0 && <Text dimColor={color} wrap="truncate">{`── logs: ${logSelection.targets.join(' ') || logSelection.stack || 'all stacks'} ${focus === 'logs' ? '(focused)' : '(tab)'} ${'─'.repeat(Math.max(0, width))}`}</Text>}
            {logHeight > 0 && (
              <LogsPane source={client} selection={logSelection} width={width} height={logHeight} focused={focus === 'logs'} keys={keys} color={color} toggles={toggles} onToggle={onToggle} onTyping={onTyping} />
            )}
          </>
        )}
      </Box>
    )
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate" bold>
        {header}
      </Text>
      {body}
      <Text wrap="truncate" color={color ? status.tone : undefined}>
        {status.text}
      </Text>
      {!compact && <Text wrap="truncate" dimColor={color}>{hints(keys, api.readOnly)}</Text>}
    </Box>
  )
}

/** The table's share of the screen (its header included); the log pane takes the rest. */
function tableHeightOf(height: number, compact: boolean, fullScreen: boolean): number {
  if (fullScreen) return 0
  const body = Math.max(3, height - (compact ? 2 : 3))
  return Math.max(2, Math.floor(body * (compact ? 0.65 : 0.55)))
}

function headerLine(state: UiState, api: UiApi, sort: string, desc: boolean, filter: string, filtering: boolean): string {
  const all = [...state.instances.values()]
  const up = all.filter(isUp).length
  const parts = [`mar ui — ${api.stack ?? 'all stacks'}`, state.loaded ? `${up}/${all.length} up` : 'connecting…', `sort: ${sort}${desc ? ' ↓' : ' ↑'}`]
  if (filter || filtering) parts.push(`filter: ${filter}${filtering ? '▏' : ''}`)
  if (api.readOnly) parts.push('read-only')
  if (state.dropped > 0) parts.push(`missed ${state.dropped} events (resynced)`)
  return parts.join(' · ')
}

function hints(keys: KeyMap, readOnly: boolean): string {
  const k = (a: Action) => keys[a]?.[0] ?? '?'
  const actions: Action[] = readOnly ? ['filter', 'details', 'graph', 'nextPane', 'help', 'quit'] : ['restart', 'stop', 'start', 'signal', 'reload', 'scaleUp', 'filter', 'details', 'graph', 'help', 'quit']
  const label: Partial<Record<Action, string>> = {restart: 'restart', stop: 'stop', start: 'start', signal: 'signal', reload: 'reload', scaleUp: 'scale', filter: 'filter', details: 'details', graph: 'graph', nextPane: 'logs', help: 'help', quit: 'quit'}
  return actions.map((a) => `${k(a)} ${label[a]}`).join('  ')
}

function SignalPicker(props: {target: string; index: number; color: boolean; height: number}): React.ReactElement {
  return (
    <Box flexDirection="column" height={Math.max(props.height, 3)}>
      <Text bold>{`send a signal to ${props.target} (↑/↓, enter, esc)`}</Text>
      {SIGNALS.map((s, i) => (
        <Text key={s} inverse={i === props.index}>
          {`${i === props.index ? '›' : ' '} ${s}`}
        </Text>
      ))}
    </Box>
  )
}
