// `${VAR}`, `${VAR:-default}` (default when unset or empty), `${VAR-default}`
// (default when unset) and `$$` (a literal `$`) in config strings.
//
// SECURITY RULE: strings that a shell will run — `cmd`, `ready.exec`,
// `health.exec` and `stop.cmd` when written as a string — are NOT
// interpolated textually. The child's environment holds the same variables,
// and /bin/sh expands `${VAR}` and `${VAR:-default}` itself with the same
// meaning, so a value (from .env, the environment, a hostname) is only ever
// data and can never become shell code (`X='; rm -rf ~'` stays a string).
// For those strings we only *check* the references: `${VAR}` without a
// default that nothing defines is an error, as it is everywhere else.
// Inside them shell rules apply in full: `$$` is the shell's pid, `\$` a
// literal dollar. Argv lists, URLs, paths, env values and patterns are
// interpolated textually: no shell reads them.

export type Vars = Readonly<Record<string, string | undefined>>

export interface InterpolationProblem {
  kind: 'unknown-variable' | 'bad-syntax'
  /** The variable, for unknown-variable. */
  name?: string
  /** Offset of the `$` in the text. */
  offset: number
  message: string
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/

/** Substitute every `${…}` and `$$` in text; a lone `$` (e.g. a regex anchor) stays as it is. */
export function interpolate(text: string, vars: Vars): {value: string; problems: InterpolationProblem[]} {
  const problems: InterpolationProblem[] = []
  const value = expand(text, vars, problems, 0)
  return {value, problems}
}

function expand(text: string, vars: Vars, problems: InterpolationProblem[], base: number): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const char = text[i]
    if (char !== '$' || i + 1 >= text.length) {
      out += char
      i++
    } else if (text[i + 1] === '$') {
      out += '$'
      i += 2
    } else if (text[i + 1] === '{') {
      const ref = parseReference(text, i)
      if ('error' in ref) {
        problems.push({kind: 'bad-syntax', offset: base + i, message: ref.error})
        out += text.slice(i, ref.end)
        i = ref.end
        continue
      }
      const current = vars[ref.name]
      const useDefault = ref.operator === ':-' ? current === undefined || current === '' : ref.operator === '-' ? current === undefined : false
      if (useDefault) out += expand(ref.fallback ?? '', vars, problems, base + ref.fallbackStart)
      else if (current !== undefined) out += current
      else problems.push({kind: 'unknown-variable', name: ref.name, offset: base + i, message: `unknown variable \${${ref.name}}`})
      i = ref.end
    } else {
      out += char
      i++
    }
  }
  return out
}

type Reference =
  | {name: string; operator?: ':-' | '-'; fallback?: string; fallbackStart: number; end: number}
  | {error: string; end: number}

/** Parse the `${…}` starting at `start` (text[start] is `$`); nested `${}` in a default are allowed. */
function parseReference(text: string, start: number): Reference {
  const name = NAME.exec(text.slice(start + 2))?.[0]
  const close = findClose(text, start + 2)
  if (close < 0) return {error: 'unclosed "${": add the closing "}"', end: text.length}
  if (!name) return {error: `invalid "${text.slice(start, close + 1)}": expected \${NAME} or \${NAME:-default}`, end: close + 1}
  const after = start + 2 + name.length
  if (after === close) return {name, fallbackStart: after, end: close + 1}
  for (const operator of [':-', '-'] as const) {
    if (text.startsWith(operator, after)) {
      const fallbackStart = after + operator.length
      return {name, operator, fallback: text.slice(fallbackStart, close), fallbackStart, end: close + 1}
    }
  }
  return {error: `unsupported "${text.slice(start, close + 1)}": mar understands \${NAME}, \${NAME:-default} and \${NAME-default}`, end: close + 1}
}

function findClose(text: string, from: number): number {
  let depth = 0
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++
      i++
    } else if (text[i] === '}') {
      if (depth === 0) return i
      depth--
    }
  }
  return -1
}

/** Variables /bin/sh provides itself; a reference to them is never an error. */
const SHELL_VARIABLES = new Set(['PWD', 'OLDPWD', 'PPID', 'IFS', 'OPTIND', 'OPTARG', 'LINENO', 'RANDOM', 'SECONDS', 'UID', 'EUID', 'HOSTNAME', 'REPLY', 'PS1', 'PS2', 'PS4'])

/**
 * Check (never substitute) the `${NAME}` references of a shell string: those
 * without a default that neither vars nor the command itself (`X=1; …`,
 * `for X in`, `read X`) define. Single quotes hide references, as in sh.
 */
export function checkShellReferences(text: string, vars: Vars): InterpolationProblem[] {
  const assigned = shellAssignedNames(text)
  const problems: InterpolationProblem[] = []
  let quote: '"' | "'" | undefined
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (quote === "'") {
      if (char === "'") quote = undefined
    } else if (char === '\\') {
      i++
    } else if (char === "'" && quote === undefined) {
      quote = "'"
    } else if (char === '"') {
      quote = quote === '"' ? undefined : '"'
    } else if (char === '$' && text[i + 1] === '$') {
      i++
    } else if (char === '$' && text[i + 1] === '{') {
      const match = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(i))
      if (match) {
        const name = match[1]
        if (vars[name] === undefined && !assigned.has(name) && !SHELL_VARIABLES.has(name)) {
          problems.push({kind: 'unknown-variable', name, offset: i, message: `unknown variable \${${name}}`})
        }
        i += match[0].length - 1
      }
    }
  }
  return problems
}

function shellAssignedNames(text: string): Set<string> {
  const names = new Set<string>()
  for (const match of text.matchAll(/(?:^|[\s;&|(])(?:export\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)=/g)) names.add(match[1])
  for (const match of text.matchAll(/\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b/g)) names.add(match[1])
  for (const match of text.matchAll(/\bread\s+((?:-\w+\s+)*)([A-Za-z_][A-Za-z0-9_ ]*)/g)) for (const name of match[2].trim().split(/\s+/)) names.add(name)
  return names
}
