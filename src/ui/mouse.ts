// The mouse on the TUI's screen: xterm mouse reporting in SGR encoding,
// turned on with the screen and off with it (run-ui.ts), and the reports
// read back out of what ink's useInput hands over.
//
// Why SGR (mode 1006) on top of plain button reporting (1000): the legacy
// encoding packs the position into single bytes (nothing past column 223)
// and is not valid UTF-8, so it arrives as garbage text; an SGR report is an
// ordinary CSI sequence, `ESC [ < button ; column ; row M` (press) or `… m`
// (release). ink's input parser keeps such a sequence whole — one input,
// even when several come in one read — and useInput hands it over with the
// ESC stripped and no key flag set: `[<0;12;5M`. Left as it is, that would be
// read as nine key presses (splitKeys), typed into a filter or a search, or
// bound by a keys.yaml to something; so every key handler asks isMouseReport
// first. No motion reporting (1002/1003): only presses and the wheel mean
// anything here, and motion would wake the app on every mouse move.

/** Turn reporting on: button presses and the wheel (1000), in SGR encoding (1006). */
export const MOUSE_ON = '\x1b[?1000h\x1b[?1006h'
/** …and off again, the terminal as a shell wants it (text selection with the mouse works again). */
export const MOUSE_OFF = '\x1b[?1006l\x1b[?1000l'

export type MouseEvent =
  /** A button went down (a click). */
  | {kind: 'press'; button: 'left' | 'middle' | 'right'; column: number; row: number}
  /** One notch of the wheel. */
  | {kind: 'wheel'; direction: 'up' | 'down'; column: number; row: number}
  /** A release, a drag, a sideways wheel, a button beyond the third: recognised (so never a key), acted on by nobody. */
  | {kind: 'other'; column: number; row: number}

// ESC is optional: useInput strips it, a raw read keeps it.
const SGR = /^\x1b?\[<(\d{1,4});(\d{1,5});(\d{1,5})([Mm])$/ // eslint-disable-line no-control-regex

/** Whether an input is a mouse report (then it is no key press). */
export function isMouseReport(input: string): boolean {
  return SGR.test(input)
}

/**
 * The mouse report in an input, or null when it is none. Column and row are
 * 0-based (the terminal counts from 1): row 0 is the screen's first line,
 * where ink draws the app's first line (run-ui homes the cursor on the alternate screen).
 */
export function parseMouse(input: string): MouseEvent | null {
  const match = SGR.exec(input)
  if (!match) return null
  const code = Number(match[1])
  const column = Number(match[2]) - 1
  const row = Number(match[3]) - 1
  const release = match[4] === 'm'
  // The button code: bits 0–1 the button, 4/8/16 shift/meta/ctrl (ignored here), 32 motion, 64 the wheel, 128 buttons 8–11.
  const button = code & 3
  const motion = (code & 32) !== 0
  if (column < 0 || row < 0 || release || motion || (code & 128) !== 0) return {kind: 'other', column, row}
  if ((code & 64) !== 0) return button < 2 ? {kind: 'wheel', direction: button === 0 ? 'up' : 'down', column, row} : {kind: 'other', column, row}
  return button === 3 ? {kind: 'other', column, row} : {kind: 'press', button: (['left', 'middle', 'right'] as const)[button]!, column, row}
}
