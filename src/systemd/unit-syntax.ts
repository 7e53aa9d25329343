// The syntax of systemd unit files, for values mar writes into them.
// systemd parses these values itself — specifiers (%n, %h…) everywhere,
// C-style escapes and quotes in command lines and Environment=, $VAR
// substitution in command lines only — so every value that came from a
// user (argv, env values, paths) is escaped here, and nowhere else.
// See systemd.service(5) "Command lines" and systemd.unit(5) "Specifiers".

/** `%` starts a specifier everywhere in a unit file; `%%` is a literal `%`. */
export function escapeSpecifiers(text: string): string {
  return text.replaceAll('%', '%%')
}

/** Characters that need no quoting in a command line or Environment= word. */
const SAFE_WORD = /^[A-Za-z0-9_@+=:,./-]+$/

/**
 * C-style escapes for the inside of a quoted word: the backslash and the
 * quote itself, and control characters, which would otherwise end the line
 * (newline) or be unreadable.
 */
function cEscape(text: string, quote: '"' | "'"): string {
  let out = ''
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (ch === '\\') out += '\\\\'
    else if (ch === quote) out += `\\${quote}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += ch
  }
  return out
}

/** Quote one word: bare when safe, else in the quote that needs fewer escapes. */
function quoteWord(text: string): string {
  if (SAFE_WORD.test(text)) return text
  // Shell commands are full of double quotes; single quotes keep them readable.
  // (systemd processes C escapes inside either kind of quotes.)
  const quote = text.includes('"') && !text.includes("'") ? "'" : '"'
  return `${quote}${cEscape(text, quote)}${quote}`
}

/**
 * One argument of ExecStart=/ExecStop=…: `$` is doubled because systemd
 * substitutes $VAR and ${VAR} from the unit's environment in command lines
 * (`$$` is a literal `$`), `%` is doubled for specifiers, and a word with
 * anything beyond plain characters is quoted with C escapes. A quoted `;`
 * is an argument, never the old command separator.
 */
export function quoteExecArg(arg: string): string {
  if (arg === '') return '""'
  return escapeSpecifiers(quoteWord(arg.replaceAll('$', '$$$$')))
}

/** Characters that systemd takes as prefixes of the executable (`-`: ignore failure, `@`: argv0, …). */
const EXEC_PREFIXES = /^[-@:+!|]/

/** A whole command line: the program (absolute, or a bare name systemd looks up in its own PATH) and its arguments. */
export function execLine(argv: readonly string[]): string {
  const [program, ...args] = argv
  if (program === undefined || program === '') throw new Error('empty command')
  // systemd reads prefixes from the unquoted first word, so quoting cannot protect them.
  if (EXEC_PREFIXES.test(program)) throw new Error(`the program name "${program}" starts with a character systemd reads as an ExecStart= prefix`)
  return [program, ...args].map(quoteExecArg).join(' ')
}

/**
 * One Environment= assignment. Environment= unquotes and C-unescapes like
 * command lines but does not substitute $VAR, so `$` stays as it is.
 */
export function quoteEnvAssignment(key: string, value: string): string {
  return escapeSpecifiers(quoteWord(`${key}=${value}`))
}

/** A valid environment variable name for systemd (it refuses others with a warning). */
export function isValidEnvName(key: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
}

/** A time span systemd reads back exactly: `90s`, `250ms`. */
export function timespan(ms: number): string {
  const whole = Math.max(0, Math.round(ms))
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`
}

/** Characters allowed in unit names besides `\` escapes (systemd.unit(5)). */
const UNIT_NAME_CHAR = /[A-Za-z0-9:_.-]/

/**
 * Make text usable as (part of) a unit name. mar's stack, runner and
 * instance names are already limited to letters, digits, `.`, `-` and `_`,
 * all valid in unit names, so this is the identity for every config mar
 * accepts; anything else is escaped as `\xNN` like systemd-escape does, and
 * a leading `.` too (a unit name may not start with one). `-` is kept: we
 * never need to unescape these names back into paths.
 */
export function escapeUnitNamePart(text: string): string {
  let out = ''
  for (const [i, ch] of [...text].entries()) {
    if (UNIT_NAME_CHAR.test(ch) && !(i === 0 && ch === '.')) out += ch
    else for (const byte of Buffer.from(ch, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`
  }
  return out
}

/** systemd refuses unit names longer than this. */
export const UNIT_NAME_MAX = 255

/** A unit file: sections of `Key=value` lines and `# comment` lines, in order. */
export interface UnitSection {
  name: 'Unit' | 'Service' | 'Install'
  lines: string[]
}

/** A comment line: user text never ends the comment or starts a new line. */
export function comment(text: string): string {
  const line = `# ${text.replace(/[\x00-\x1f\x7f]+/g, ' ')}`.trimEnd()
  // A trailing backslash would join the next line onto this one in some parsers.
  return line.endsWith('\\') ? `${line} .` : line
}

export function renderUnit(header: readonly string[], sections: readonly UnitSection[]): string {
  const parts = [header.map(comment).join('\n')]
  for (const section of sections) if (section.lines.length > 0) parts.push([`[${section.name}]`, ...section.lines].join('\n'))
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`
}
