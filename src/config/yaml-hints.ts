// The YAML mistakes people make, in their words. The yaml package reports
// where its grammar broke ("Nested mappings are not allowed in compact
// mappings"); the person wrote `cmd: echo time: now` and needs to hear
// "quote the command". Each hint is recognised from the error code and the
// line it points at; anything else keeps the parser's own message.
import type {YAMLError} from 'yaml'

export interface SyntaxHint {
  /** 1-based line the hint is about (the line of the value, not where the grammar noticed). */
  line: number
  /** 1-based column of the value the hint is about, when known. */
  column?: number
  message: string
  hint?: string
  /** The line as it should read, where the fix is certain (quoting): the rest of the file is then checked as if fixed. */
  fix?: string
}

/** Keys whose value is a command: a `: ` in them is part of the command, never a nested map. */
const COMMAND_KEYS = new Set(['cmd', 'exec'])

/** A hint for one parse error, or undefined to keep the parser's message. */
export function hintForYamlError(error: YAMLError, text: string, line: number): SyntaxHint | undefined {
  const lines = text.split('\n')
  const source = lines[line - 1] ?? ''
  switch (error.code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return colonInValue(lines, line)
    case 'BLOCK_IN_FLOW': {
      // `web: {cmd: echo a: b}`: the parser's span is the plain value itself.
      const value = text.slice(error.pos[0], error.pos[1]).trim()
      const key = /([A-Za-z0-9_-]+)\s*:\s*$/.exec(text.slice(text.lastIndexOf('\n', error.pos[0]) + 1, error.pos[0]))?.[1]
      if (!key || !/:(\s|$)/.test(value)) return undefined
      return colonHint(line, subjectOf(key, lines, line), `${key}: `, value)
    }
    case 'MISSING_CHAR':
      return /closing ["']quote/.test(error.message) ? unclosedQuote(lines) : undefined
    case 'TAB_AS_INDENT':
      return {line, message: 'a tab in the indentation', hint: 'YAML indents with spaces only; replace the tab with spaces'}
    case 'BAD_SCALAR_START': {
      const found = /^(\s*(?:-\s+)?)([A-Za-z0-9_-]+:\s+)?(.*)$/.exec(stripComment(source))
      if (!found) return undefined
      const [, dash, keyPart = '', value] = found
      const first = value[0] ?? ''
      return {line, message: `a plain value cannot start with "${first}"`, hint: `quote it: ${dash.trim() ? '- ' : keyPart}${quote(value)}`, fix: `${dash}${keyPart}${quote(value)}`}
    }
    default:
      return undefined
  }
}

/**
 * `cmd: echo time: now` or `- echo a: b: c`: a `: ` (or a trailing `:`)
 * inside a plain value starts a mapping. The fix is to quote the value,
 * which we can spell out in full.
 */
function colonInValue(lines: string[], line: number): SyntaxHint | undefined {
  const source = stripComment(lines[line - 1] ?? '')
  const column = (value: string) => source.lastIndexOf(value) + 1
  const item = /^(\s*)-\s+(.*)$/.exec(source)
  if (item) {
    const value = item[2]
    if (!/:(\s|$)/.test(value)) return undefined
    return {...colonHint(line, subjectOf(parentKey(lines, line, item[1].length, true), lines, line), '- ', value), column: column(value), fix: `${item[1]}- ${quote(value)}`}
  }
  const pair = /^(\s*)([A-Za-z0-9_"'.-]+):\s+(.+)$/.exec(source)
  if (!pair) return undefined
  if (!/:(\s|$)/.test(pair[3]) || /^["'[{]/.test(pair[3])) return deeperNextKey(lines, line, pair[1].length, pair[2])
  return {...colonHint(line, subjectOf(pair[2], lines, line, pair[1].length), `${pair[2]}: `, pair[3]), column: column(pair[3]), fix: `${pair[1]}${pair[2]}: ${quote(pair[3])}`}
}

/**
 * An unclosed quote runs to the end of the file, where the parser reports
 * it; the mistake is where it opened: the first value that starts with a
 * quote its line does not close.
 */
function unclosedQuote(lines: string[]): SyntaxHint | undefined {
  for (const [i, text] of lines.entries()) {
    const opened = /^(\s*(?:-\s+|[A-Za-z0-9_.-]+:\s+|-\s+[A-Za-z0-9_.-]+:\s+))(["'])/.exec(text)
    if (!opened) continue
    const quote = opened[2]
    const rest = text.slice(opened[0].length)
    // In double quotes a backslash escapes; in single quotes '' is a quote.
    const closed = quote === '"' ? /^(?:[^"\\]|\\.)*"/.test(rest) : /^(?:[^']|'')*'(?!')/.test(rest)
    if (!closed) return {line: i + 1, column: opened[0].length, message: `the ${quote === '"' ? 'double' : 'single'} quote opened here is not closed`, hint: `end the value with ${quote} on this line`}
  }
  return undefined
}

/**
 * `cmd: x` followed by a key indented deeper: the parser reads the two as
 * one multi-line key. Point at the deeper line and say to align it.
 */
function deeperNextKey(lines: string[], line: number, indent: number, key: string): SyntaxHint | undefined {
  const next = lines.findIndex((text, i) => i >= line && stripComment(text).trim() !== '')
  if (next < 0) return undefined
  const text = stripComment(lines[next])
  const own = text.length - text.trimStart().length
  const nextKey = /^\s*([A-Za-z0-9_-]+)\s*:/.exec(text)?.[1]
  if (own <= indent || !nextKey) return undefined
  return {line: next + 1, column: own + 1, message: `"${nextKey}" is indented deeper than "${key}" on line ${line}`, hint: `align it with "${key}" (column ${indent + 1})`}
}

/** The message for a value with a `: ` in it, with the quoted line to write instead. */
export function colonHint(line: number, subject: 'command' | 'value', lead: string, value: string): SyntaxHint {
  const whole = subject === 'command' ? (lead.endsWith(': ') ? 'the whole command' : 'the whole item') : 'it'
  const what = /:\s/.test(value) ? 'contains ": "' : 'ends with ":"'
  return {line, message: `the ${subject} ${what}`, hint: `quote ${whole}: ${lead}${quote(value)}`}
}

/** A command when the key is `cmd`/`exec`, or a runner written in the short form (`web: node x` under `runners:`). */
function subjectOf(key: string | undefined, lines: string[], line: number, indent?: number): 'command' | 'value' {
  if (key === undefined) return 'value'
  if (COMMAND_KEYS.has(key)) return 'command'
  if (indent !== undefined && parentKey(lines, line, indent, false) === 'runners') return 'command'
  return 'value'
}

/** The key of the nearest line above that holds this line (less indented; for a list item, also a key at the same indent). */
function parentKey(lines: string[], line: number, indent: number, item: boolean): string | undefined {
  for (let i = line - 2; i >= 0; i--) {
    const text = stripComment(lines[i])
    if (text.trim() === '') continue
    const own = text.length - text.trimStart().length
    if (own < indent || (item && own === indent && !text.trimStart().startsWith('-'))) {
      return /^\s*(?:-\s+)?([A-Za-z0-9_-]+)\s*:/.exec(text)?.[1]
    }
  }
  return undefined
}

/** Drop a trailing ` # comment` (a `#` after a space starts one in plain YAML) and trailing blanks. */
function stripComment(text: string): string {
  // search + slice, not /\s+#.*$/ and /\s+$/: those backtrack quadratically over a long run of blanks.
  const comment = text.search(/\s#/)
  return (comment < 0 ? text : text.slice(0, comment)).trimEnd()
}

/** The value as a YAML scalar that means exactly the text: double quotes, single when it holds double quotes or backslashes. */
export function quote(value: string): string {
  if (/["\\]/.test(value) && !value.includes("'")) return `'${value}'`
  return JSON.stringify(value)
}
