// The TUI's log pane: the lines of the selected instance, runner or stack
// (or of everything), with `mar logs`'s prefixes and colors, following the
// tail or scrolled back into stored history, searchable, never drawing more
// rows than it is given.
//
// Load: lines from the stream are batched and land in the buffer at most
// every FLUSH_MS, so a runner writing thousands of lines a second costs at
// most ~1000/FLUSH_MS renders a second; each render cuts only the rows that
// fit (LogBuffer.window). History: scrolling up past the oldest line held
// reads an older page (see log-buffer.ts for how, since the protocol reads
// forwards only).
import {Box, Text, useInput, type Key} from 'ink'
import React, {useEffect, useImperativeHandle, useReducer, useRef, useState} from 'react'
import type {LogLine, LogsEnd, LogsParams, Notice} from '../api/protocol.js'
import {shownName} from '../api/targets.js'
import {createPaint} from '../util/colors.js'
import {actionOf, splitKeys, type KeyMap} from './keys.js'
import {LogBuffer, matchPositions, olderPageParams, type ScrollPos, type ViewOptions, type WindowRow} from './log-buffer.js'

export interface LogSource {
  // a DaemonClient satisfies it
  stream(method: 'logs', params: LogsParams, handlers: {item(line: LogLine): void; notice?(n: Notice): void}): {done: Promise<LogsEnd>; cancel(): void}
}

export interface LogsPaneProps {
  source: LogSource
  /** What to show: a stack and targets (an instance, a runner, or [] for the whole stack); null: every stack. */
  selection: {stack: string | null; targets: string[]}
  width: number
  height: number
  /** It takes keys (scroll, search, toggles) only when focused. */
  focused: boolean
  keys: KeyMap
  color: boolean
  /**
   * Follow, wrap, timestamps, stderr only, full screen: state owned by the app, toggled by keys
   * (the pane asks with onToggle). fullScreen is the app's layout; the pane only asks for it.
   */
  toggles: {follow: boolean; wrap: boolean; timestamps: boolean; stderrOnly: boolean; fullScreen?: boolean}
  onToggle(name: keyof LogsPaneProps['toggles']): void
  /**
   * Told when the pane starts and stops taking typed text (the `/` search prompt), so the app's
   * own keys (q quits…) stay quiet meanwhile. Optional: an addition to the design's props.
   */
  onTyping?(typing: boolean): void
  /** What the app may do to the pane from outside its keys: the mouse wheel over it scrolls it, focused or not. */
  ref?: React.Ref<LogsPaneHandle>
}

export interface LogsPaneHandle {
  /** Scroll this many rows up, into history (negative: down), as the up/down keys do: leaving the bottom stops following. */
  scroll(rows: number): void
}

/** What marks a line of stderr: the same as `mar logs` (src/cli/logs.ts STDERR_MARK; ui may not import cli). */
export const STDERR_MARK = '!|'
/** Lines asked for when a selection is first shown. */
export const INITIAL_LINES = 1000
/** Lines read per page back into history. */
export const PAGE_LINES = 1000
/** At most one render per this many ms from incoming lines (≤ 10 a second: a tail read by eye needs no more, and each frame redraws the whole screen). */
export const FLUSH_MS = 100

/** Program output may hold escapes and control characters: they would move the cursor and break the layout. */
export function cleanLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g, '').replace(/\t/g, '    ').replace(/[\x00-\x1f\x7f]/g, '\u00b7')
}

const nameOf = (line: LogLine, multiStack: boolean) => {
  const instance = shownName(line.instance, line.host)
  return multiStack ? `${line.stack}/${instance}` : instance
}

function paramsFor(selection: LogsPaneProps['selection']): LogsParams {
  return {stack: selection.stack === null ? null : {name: selection.stack}, targets: selection.stack === null ? [] : selection.targets, lines: INITIAL_LINES, follow: true}
}

interface SearchState {
  typing: boolean
  query: string
  /** The line of the current match. */
  seq: number | null
}

interface Status {
  text: string
  error?: boolean
}

export function LogsPane(props: LogsPaneProps): React.ReactElement {
  const {source, selection, width, height, focused, keys, color, toggles, onToggle, onTyping} = props
  const bufferRef = useRef<LogBuffer>(null as unknown as LogBuffer)
  if (!bufferRef.current) bufferRef.current = new LogBuffer()
  const buffer = bufferRef.current
  const [, redraw] = useReducer((n: number) => n + 1, 0)
  // What the key handler reads lives in refs as well as in state: keys can come faster than
  // renders (key repeat, typing a search), and each must see what the one before it did.
  const [pos, setPosState] = useState<ScrollPos | null>(null)
  const posRef = useRef<ScrollPos | null>(null)
  const setPos = (next: ScrollPos | null) => {
    posRef.current = next
    setPosState(next)
  }
  const [search, setSearchState] = useState<SearchState>({typing: false, query: '', seq: null})
  const searchRef = useRef<SearchState>(search)
  const setSearch = (next: SearchState | ((s: SearchState) => SearchState)) => {
    searchRef.current = typeof next === 'function' ? next(searchRef.current) : next
    setSearchState(searchRef.current)
  }
  const [status, setStatus] = useState<Status | null>(null)
  const [loadingOlder, setLoadingOlderState] = useState(false)
  const loadingRef = useRef(false)
  const setLoadingOlder = (loading: boolean) => {
    loadingRef.current = loading
    setLoadingOlderState(loading)
  }
  /** Follow as the app last said, or as the pane just asked it to become. */
  const followRef = useRef(props.toggles.follow)
  const lastFollowProp = useRef(props.toggles.follow)
  if (lastFollowProp.current !== props.toggles.follow) followRef.current = lastFollowProp.current = props.toggles.follow
  const toggle = (name: keyof LogsPaneProps['toggles']) => {
    if (name === 'follow') followRef.current = !followRef.current
    onToggle(name)
  }
  /** Bumped to read the selection again from scratch (the tail was let go). */
  const [epoch, setEpoch] = useState(0)
  /** The longest name shown so far: prefixes line up as `mar logs`'s do. */
  const nameWidth = useRef(0)
  /** Bumped on every new selection: what an old stream still sends is dropped. */
  const generation = useRef(0)
  const older = useRef<{cancel(): void} | null>(null)
  const selectionKey = `${selection.stack ?? '\u0000all'}\u0000${selection.targets.join('\u0000')}`
  const multiStack = selection.stack === null
  // The render that first shows a new selection's title shows none of the old one's lines. Cleared only
  // in the effect below (which runs after that render, and starts no render of its own when nothing else
  // changed), they stayed on screen under the new title until the new stream sent a line — forever, for
  // an instance that has written nothing.
  const shownKey = useRef(selectionKey)
  if (shownKey.current !== selectionKey) {
    shownKey.current = selectionKey
    buffer.clear()
    nameWidth.current = 0
  }

  // One live stream per selection; a new selection cancels the old one and starts clean.
  useEffect(() => {
    const gen = ++generation.current
    // Lines still held here (an old stream's batch that landed after the render above, or a tail read
    // again from scratch: epoch) go, and the pane is drawn without them.
    if (buffer.size > 0) {
      buffer.clear()
      redraw()
    }
    nameWidth.current = 0
    setPos(null)
    // Only what changes: a state set to what it was costs no render, a fresh object always would.
    if (searchRef.current.seq !== null) setSearch((s) => ({...s, seq: null}))
    setStatus(null)
    setLoadingOlder(false)
    let pending: LogLine[] = []
    let timer: NodeJS.Timeout | null = null
    let lastFlush = 0
    const flush = () => {
      timer = null
      if (gen !== generation.current) return
      lastFlush = Date.now()
      const batch = pending
      pending = []
      for (const line of batch) nameWidth.current = Math.max(nameWidth.current, nameOf(line, multiStack).length)
      if (buffer.append(batch) > 0) redraw()
    }
    const handle = source.stream('logs', paramsFor(selection), {
      item: (line) => {
        if (gen !== generation.current) return
        pending.push({...line, line: cleanLine(line.line)})
        // A flood between two flushes keeps only what the buffer could hold anyway.
        if (pending.length > buffer.capacity * 2) pending = pending.slice(-buffer.capacity)
        if (!timer) timer = setTimeout(flush, Math.max(0, lastFlush + FLUSH_MS - Date.now()))
      },
      notice: (notice) => {
        if (gen === generation.current) setStatus({text: notice.message})
      },
    })
    handle.done.then(
      () => {
        if (gen === generation.current) setStatus({text: 'the log stream ended'})
      },
      (error: Error) => {
        if (gen === generation.current) setStatus({text: error.message, error: true})
      },
    )
    return () => {
      generation.current++
      if (timer) clearTimeout(timer)
      handle.cancel()
      older.current?.cancel()
      older.current = null
    }
    // selectionKey stands for selection; buffer and multiStack follow from it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source, selectionKey, epoch])

  useEffect(() => onTyping?.(search.typing), [search.typing, onTyping])

  const prefixWidth = (toggles.timestamps ? 25 : 0) + nameWidth.current + STDERR_MARK.length + 2
  const options: ViewOptions = {
    height: Math.max(0, height - (height >= 2 ? 1 : 0)),
    textWidth: Math.max(1, width - prefixWidth),
    wrap: toggles.wrap,
    stderrOnly: toggles.stderrOnly,
  }

  // Following sticks to the bottom; leaving follow (by `f` or the app) keeps the view where it is.
  const shownPos = toggles.follow ? null : pos
  const currentPos = () => (followRef.current ? null : posRef.current)
  useEffect(() => {
    if (toggles.follow) setPos(null)
    else if (posRef.current === null) setPos(buffer.bottom(options))
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [toggles.follow])

  /** Read one more page of history before the first line held; then run `after` (e.g. go to the top). */
  const loadOlder = (after?: () => void) => {
    if (loadingRef.current || !buffer.hasOlder || buffer.tailDropped) return
    const gen = generation.current
    setLoadingOlder(true)
    const attempt = (page: number, tries: number) => {
      const params = olderPageParams(paramsFor(selection), buffer, page)
      const got: LogLine[] = []
      const handle = source.stream('logs', params, {item: (line) => got.push({...line, line: cleanLine(line.line)})})
      older.current = handle
      handle.done.then(
        () => {
          if (gen !== generation.current) return
          const exhausted = got.length < params.lines
          for (const line of got) nameWidth.current = Math.max(nameWidth.current, nameOf(line, multiStack).length)
          const added = buffer.prepend(got, exhausted)
          // Lines that arrived at the tail meanwhile took the page's place: ask again, for more.
          if (added === 0 && !exhausted && tries < 3) return attempt(page * 2, tries + 1)
          older.current = null
          setLoadingOlder(false)
          after?.()
          redraw()
        },
        (error: Error) => {
          if (gen !== generation.current) return
          older.current = null
          setLoadingOlder(false)
          setStatus({text: `older lines: ${error.message}`, error: true})
        },
      )
    }
    attempt(PAGE_LINES, 0)
  }

  /** Move the view; leaving the bottom turns follow off, reaching the top reads older history. */
  const moveTo = (next: ScrollPos | null) => {
    if (followRef.current && next !== null && !buffer.window(next, options).atBottom) toggle('follow')
    setPos(next)
    if (next !== null && buffer.window(next, options).atTop) loadOlder()
  }
  const scrollBy = (rows: number) => moveTo(buffer.scroll(currentPos(), rows, options))
  // Made again each render, so a scroll from outside uses this render's layout, as a key would.
  useImperativeHandle(props.ref, () => ({scroll: scrollBy}))

  const jumpToMatch = (direction: 'older' | 'newer', query: string, from: number | null) => {
    const seq = buffer.find(query, from, direction, options)
    if (seq === null) {
      setSearch((s) => ({...s, typing: false, query}))
      setStatus({text: `no ${direction} match for "${query}"${direction === 'older' && buffer.hasOlder ? ' (scroll up to read older lines)' : ''}`})
      return
    }
    setStatus(null)
    setSearch({typing: false, query, seq})
    if (followRef.current) toggle('follow')
    setPos(buffer.center(seq, options))
  }

  const onKey = (input: string, key: Key) => {
    const search = searchRef.current
    const bottomSeq = () => buffer.window(currentPos(), options).rows.at(-1)?.seq ?? null
    if (search.typing) {
      if (key.return) {
        if (search.query === '') return setSearch({typing: false, query: '', seq: null})
        // From the bottom of the view, older first: the newest lines are at the bottom.
        const from = bottomSeq()
        return jumpToMatch('older', search.query, from === null ? null : from + 1)
      }
      if (key.escape) return setSearch({typing: false, query: '', seq: null})
      if (key.backspace || key.delete) return setSearch((s) => ({...s, query: s.query.slice(0, -1)}))
      if (input && !key.ctrl && !key.meta) return setSearch((s) => ({...s, query: s.query + input}))
      return
    }
    if (key.escape && search.query) return setSearch({typing: false, query: '', seq: null})
    const action = actionOf(keys, input, key, 'logs')
    const page = Math.max(1, options.height - 1)
    switch (action) {
      case 'up':
        return scrollBy(1)
      case 'down':
        return scrollBy(-1)
      case 'pageUp':
        return scrollBy(page)
      case 'pageDown':
        return scrollBy(-page)
      case 'top':
        if (followRef.current) toggle('follow')
        setPos(buffer.top(options))
        return loadOlder(() => setPos(buffer.top(options)))
      case 'bottom':
        // Back to the newest line and following again. A tail let go (history paged in past the
        // buffer's capacity) is read again from scratch.
        if (buffer.tailDropped) setEpoch((e) => e + 1)
        setPos(null)
        if (!followRef.current) toggle('follow')
        return
      case 'follow':
      case 'wrap':
      case 'timestamps':
      case 'stderrOnly':
      case 'fullScreen':
        return toggle(action)
      case 'search':
        return setSearch({typing: true, query: '', seq: null})
      case 'nextMatch':
      case 'prevMatch':
        if (!search.query) return
        return jumpToMatch(action === 'nextMatch' ? 'older' : 'newer', search.query, search.seq ?? bottomSeq())
      default:
        return
    }
  }
  useInput(
    (input, key) => {
      for (const [char, k] of splitKeys(input, key)) onKey(char, k)
    },
    {isActive: focused},
  )

  const paint = createPaint(color)
  const view = buffer.window(shownPos, options)
  const rows = view.rows.map((row, i) => <Text key={i} wrap="truncate-end">{renderRow(row)}</Text>)

  function renderRow(row: WindowRow): string {
    const line = row.line
    const name = nameOf(line, multiStack).padEnd(nameWidth.current)
    const runner = line.instance.replace(/\.\d+$/, '')
    const time = toggles.timestamps ? `${paint('gray', line.time)} ` : ''
    const prefix = line.stream === 'stderr' ? `${paint.runner(runner, name)} ${paint('red', STDERR_MARK)}` : paint.runner(runner, `${name} |`)
    const plainPrefix = (toggles.timestamps ? line.time.length + 1 : 0) + name.length + (line.stream === 'stderr' ? STDERR_MARK.length + 1 : 2)
    const lead = row.first ? `${time}${prefix} ` : ' '.repeat(plainPrefix + 1)
    return lead + highlight(line.line, row.start, row.end, row.seq === search.seq)
  }

  /** The row's text with every match marked: reverse video for the current line's, yellow otherwise (underline without color). */
  function highlight(text: string, start: number, end: number, current: boolean): string {
    const query = search.typing ? '' : search.query
    const positions = query ? matchPositions(text, query) : []
    if (positions.length === 0) return text.slice(start, end)
    const on = current ? '\x1b[7m' : color ? '\x1b[30;43m' : '\x1b[4m'
    let out = ''
    let at = start
    for (const p of positions) {
      const from = Math.max(p, start)
      const to = Math.min(p + query.length, end)
      if (to <= from || from < at) continue
      out += text.slice(at, from) + on + text.slice(from, to) + '\x1b[0m'
      at = to
    }
    return out + text.slice(at, end)
  }

  const flags = [
    toggles.follow ? 'follow' : 'paused',
    toggles.wrap ? 'wrap' : null,
    toggles.timestamps ? 'time' : null,
    toggles.stderrOnly ? 'stderr only' : null,
  ].filter(Boolean)
  const what = selection.stack === null ? 'every stack' : [selection.stack, ...selection.targets].join(' ')
  const note = search.typing
    ? `/${search.query}█`
    : loadingOlder
      ? 'reading older lines…'
      : status
        ? status.text
        : view.atTop && !buffer.hasOlder && buffer.size > 0
          ? 'start of the stored logs'
          : search.query
            ? `/${search.query}  n older, N newer`
            : ''
  const header = `logs ${what} [${flags.join(', ')}]${note ? `  ${note}` : ''}`
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {height >= 2 ? (
        <Text wrap="truncate-end" bold={focused} color={status?.error && color ? 'red' : undefined}>
          {header}
        </Text>
      ) : null}
      {rows}
    </Box>
  )
}
