// Text from elsewhere on the way to a terminal. A program's output, the last
// line of an exec probe, a STATUS= it sent over NOTIFY_SOCKET, a path or a
// value from a config: any of them can hold escape sequences that set the
// window title, write the clipboard (OSC 52), clear the screen, move the
// cursor over mar's own words, or answer queries into the terminal's input.
// mar's prose (reasons, errors) shows such characters as visible escapes;
// program lines keep their colors (SGR, as `less -R` does) and nothing else.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * Control characters as escapes (`\x00`, `\x1b`, `\n`): an error that echoes
 * them raw could move the cursor, recolour the terminal or break one line into
 * several. Line and paragraph separators and bidi overrides too, for the same
 * reasons.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => {
    const code = char.charCodeAt(0)
    if (char === '\n') return '\\n'
    if (char === '\t') return '\\t'
    if (char === '\r') return '\\r'
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;:]*m/g

/** Prose made from a program's words (a reason, a probe's message): its colors dropped, every other control character visible. */
export function plainText(text: string): string {
  return escapeControl(text.replace(SGR, ''))
}

/**
 * One line of a program's output for a terminal: colors (SGR) pass, as the
 * program meant them, and are reset at the end so they never bleed into the
 * next line's prefix; every other control character — the ESC of any other
 * sequence, BEL, CR, backspace — is shown as an escape. Tabs stay.
 */
export function programLineForTerminal(line: string): string {
  let colored = false
  let out = ''
  let at = 0
  for (const match of line.matchAll(SGR)) {
    out += escapeProgramText(line.slice(at, match.index)) + match[0]
    at = match.index + match[0].length
    colored = true
  }
  if (!colored) return escapeProgramText(line)
  return `${out}${escapeProgramText(line.slice(at))}\x1b[0m`
}

/** How program lines go to `stream`: as programLineForTerminal on a terminal; into a pipe or a file as they were stored. */
export function programLinesFor(stream: NodeJS.WritableStream): (line: string) => string {
  return (stream as NodeJS.WriteStream).isTTY ? programLineForTerminal : (line) => line
}

function escapeProgramText(text: string): string {
  return text.includes('\t') ? text.split('\t').map(escapeControl).join('\t') : escapeControl(text)
}
