// Which key does what on the TUI's screen, by what has the keys at the time:
// the filter prompt, the signal picker, the reload confirmation, a view
// (details, graph, help), or the table and the log pane. The log pane reads
// its own keys (scroll, search, toggles) while focused; this decides only
// what the app does. Pure dispatch: every effect goes through KeyContext.
import type {Key} from 'ink'
import type {Actions, Target, View} from './actions.js'
import {actionOf, type KeyMap} from './keys.js'
import {SIGNALS} from './overlays.js'
import type {LogsPaneProps} from './logs-pane.js'

export type LogToggle = keyof LogsPaneProps['toggles']

export interface KeyContext {
  keys: KeyMap
  view: View
  filtering: boolean
  focus: 'table' | 'logs'
  /** The log pane's search prompt is taking text. */
  logsTyping: boolean
  signalTarget: Target | null
  signalIndex: number
  /** Rows of the table a page moves by. */
  pageRows: number
  lineCount: number
  actions: Actions
  exit(): void
  say(text: string): void
  setView(view: View): void
  setFiltering(on: boolean): void
  editFilter(edit: (filter: string) => string): void
  moveSignal(by: number): void
  moveBy(rows: number): void
  moveTo(index: number): void
  toggleFocus(): void
  toggle(name: LogToggle): void
  cycleSort(): void
  reverseSort(): void
}

export function handleKey(ctx: KeyContext, input: string, key: Key): void {
  // Ctrl-C quits from anywhere, as in every terminal program (ink is told not to exit by itself: run-ui restores the terminal).
  if (key.ctrl && input === 'c') return ctx.exit()
  if (ctx.filtering) return filterKey(ctx, input, key)
  if (ctx.view === 'signal') return signalKey(ctx, input, key)
  if (ctx.view === 'reload') {
    if (input === 'y' || key.return) return ctx.actions.applyReload()
    if (input === 'n' || input === 'q' || key.escape) return ctx.actions.cancelReload()
    return
  }
  if (ctx.view !== 'main') {
    const action = actionOf(ctx.keys, input, key, 'table')
    if (key.escape || action === 'quit' || action === ctx.view || (ctx.view === 'details' && action === 'details')) ctx.setView('main')
    return
  }
  // While the log pane's search prompt takes text, every key is the pane's (a `q` in a search is a letter).
  if (ctx.focus === 'logs' && ctx.logsTyping) return
  const action = actionOf(ctx.keys, input, key, ctx.focus === 'logs' ? 'logs' : 'table')
  if (action === 'quit') return ctx.exit()
  if (action === 'nextPane') return ctx.toggleFocus()
  if (action === 'help') return ctx.setView('help')
  // The log pane takes its own keys (scroll, search, g/G, the toggles: they come back through onToggle) while focused.
  if (ctx.focus === 'logs') return
  switch (action) {
    case 'up':
      return ctx.moveBy(-1)
    case 'down':
      return ctx.moveBy(1)
    case 'pageUp':
      return ctx.moveBy(-ctx.pageRows)
    case 'pageDown':
      return ctx.moveBy(ctx.pageRows)
    case 'top':
      return ctx.moveTo(0)
    case 'bottom':
      return ctx.moveTo(ctx.lineCount - 1)
    case 'filter':
      return ctx.setFiltering(true)
    case 'sort':
      return ctx.cycleSort()
    case 'sortReverse':
      return ctx.reverseSort()
    case 'fullScreen':
    case 'follow':
    case 'wrap':
    case 'timestamps':
    case 'stderrOnly':
      return ctx.toggle(action)
    case 'graph':
      return ctx.setView('graph')
    case null:
    case 'search':
    case 'nextMatch':
    case 'prevMatch':
      return
    default:
      return ctx.actions.act(action)
  }
}

function filterKey(ctx: KeyContext, input: string, key: Key): void {
  if (key.return) return ctx.setFiltering(false)
  if (key.escape) {
    ctx.editFilter(() => '')
    return ctx.setFiltering(false)
  }
  if (key.backspace || key.delete) return ctx.editFilter((f) => f.slice(0, -1))
  if (input && !key.ctrl && !key.meta) ctx.editFilter((f) => f + input)
}

function signalKey(ctx: KeyContext, input: string, key: Key): void {
  if (key.escape || input === 'q') {
    ctx.setView('main')
    return ctx.say('signal: cancelled')
  }
  if (key.upArrow || input === 'k') return ctx.moveSignal(-1)
  if (key.downArrow || input === 'j') return ctx.moveSignal(1)
  if (key.return && ctx.signalTarget) {
    const signal = SIGNALS[ctx.signalIndex]!
    ctx.setView('main')
    ctx.actions.sendSignal(ctx.signalTarget, signal)
  }
}
