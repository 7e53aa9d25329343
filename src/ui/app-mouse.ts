// What a click or a turn of the wheel does on the TUI's screen, by where it
// lands: a row of the table selects that row, the log pane takes the focus,
// the wheel moves the table's selection or scrolls the log pane. Only on the
// main screen: the views (details, graph, help, the signal picker, the
// reload confirmation) are read or answered with keys. Selecting and
// scrolling are not actions, so --read-only changes nothing here. Pure
// dispatch, as app-keys.ts is for keys: every effect goes through MouseContext.
import type {View} from './actions.js'
import type {MouseEvent} from './mouse.js'

/** Rows a notch of the wheel moves, as most terminal programs do. */
export const WHEEL_ROWS = 3

/**
 * Where the main screen's pieces are, top to bottom: the header line (row 0);
 * the table (its column header, then its rows); the log pane's title line
 * and the pane; then the status and hint lines.
 */
export interface ScreenLayout {
  /** Rows of the table, its column header included; 0 when the log pane is full screen (no table, no title line). */
  tableHeight: number
  /** The index of the table line on the table's first row (table.tsx windowStart). */
  firstLine: number
  lineCount: number
  /** Rows of the log pane, its own header included. */
  logHeight: number
}

/** What is under a screen row: a table line (null: the column header or the blank below the last line), the log pane, or nothing. */
export type Spot = {area: 'table'; line: number | null} | {area: 'logs'} | null

export function spotAt(row: number, layout: ScreenLayout): Spot {
  const {tableHeight, firstLine, lineCount, logHeight} = layout
  if (row >= 1 && row <= tableHeight) {
    const line = firstLine + row - 2
    return {area: 'table', line: row >= 2 && line < lineCount ? line : null}
  }
  // The title line above the pane (there with the table) counts as the pane: it says "(tab)" to focus it.
  const logsTop = 1 + tableHeight
  const logsEnd = logsTop + (tableHeight > 0 ? 1 : 0) + logHeight
  if (row >= logsTop && row < logsEnd) return {area: 'logs'}
  return null
}

export interface MouseContext {
  view: View
  layout: ScreenLayout
  moveTo(index: number): void
  moveBy(rows: number): void
  focus(pane: 'table' | 'logs'): void
  /** Scroll the log pane this many rows up, into history (negative: down), as its up/down keys do. */
  scrollLogs(rows: number): void
}

export function handleMouse(ctx: MouseContext, event: MouseEvent): void {
  if (ctx.view !== 'main' || event.kind === 'other') return
  const spot = spotAt(event.row, ctx.layout)
  if (spot === null) return
  if (event.kind === 'press') {
    if (event.button !== 'left') return
    if (spot.area === 'logs') return ctx.focus('logs')
    if (spot.line === null) return
    ctx.focus('table')
    return ctx.moveTo(spot.line)
  }
  const up = event.direction === 'up'
  if (spot.area === 'table') return ctx.moveBy(up ? -WHEEL_ROWS : WHEEL_ROWS)
  return ctx.scrollLogs(up ? WHEEL_ROWS : -WHEEL_ROWS)
}
