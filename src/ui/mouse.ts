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

/**
 * A terminal that does not know SGR encoding (1006) still honours 1000 and
 * reports in the legacy X10 form: `ESC [ M` and three bytes — button, column
 * and row, each plus 32. ink reads `ESC [ M` as one sequence and the three
 * bytes as typed text, so a click at column 82 would be a press of `r`
 * (restart). This rewrites each legacy report into its SGR form, carrying a
 * report split across two reads, so everything after the stream sees SGR
 * only. A byte past 127 (column or row over 95) is no UTF-8 on its own and
 * arrives as U+FFFD: the report keeps its place with column 0, which
 * parseMouse reads as a click nobody acts on.
 */
export function legacyMouseToSgr(): (chunk: string) => string {
  let pending: string | null = null // the report's bytes seen so far, after ESC [ M
  const sgr = (bytes: string) => {
    const [button, column, row] = [...bytes].map((c) => {
      const code = c.codePointAt(0)! - 32
      return code >= 0 && code <= 223 ? code : -1
    }) as [number, number, number]
    const position = column < 1 || row < 1 ? '0;0' : `${column};${row}`
    // X10 says "released" with button 3 and not which one: SGR's release (m) of button 0.
    const release = button >= 0 && (button & 3) === 3 && (button & 64) === 0
    return `\x1b[<${release ? button & ~3 : Math.max(button, 0)};${position}${release ? 'm' : 'M'}`
  }
  return (chunk) => {
    let out = ''
    let rest = chunk
    for (;;) {
      if (pending !== null) {
        const chars = [...rest]
        const need = 3 - [...pending].length
        pending += chars.slice(0, need).join('')
        rest = chars.slice(need).join('')
        if ([...pending].length < 3) return out
        out += sgr(pending)
        pending = null
      }
      const at = rest.indexOf('\x1b[M')
      if (at === -1) return out + rest
      out += rest.slice(0, at)
      rest = rest.slice(at + 3)
      pending = ''
    }
  }
}

/** Put legacyMouseToSgr between a terminal's stdin and its reader (ink reads with read()); returns the undo. */
export function translateLegacyMouse(stdin: NodeJS.ReadStream): () => void {
  const read = stdin.read
  const translate = legacyMouseToSgr()
  stdin.read = function (this: NodeJS.ReadStream, size?: number) {
    const chunk: unknown = read.call(this, size)
    return typeof chunk === 'string' ? translate(chunk) : chunk
  } as typeof stdin.read
  return () => {
    stdin.read = read
  }
}
