// dotenv files: `KEY=VALUE`, `export KEY=VALUE`, `# comments`, blank lines;
// values unquoted (trimmed, ` # comment` stripped), 'single-quoted'
// (literal) or "double-quoted" (escapes \n \r \t \" \\ \$; may span lines).
// Values are taken literally: no `${VAR}` expansion inside env files, so a
// file's meaning does not depend on the environment that reads it.
import {excerpt} from './issues.js'
import type {ConfigIssue} from './types.js'

export interface EnvFileResult {
  vars: Record<string, string>
  issues: ConfigIssue[]
}

const WORD = /^[^\s=#]+/
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
const ESCAPES: Record<string, string> = {n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$'}

export function parseEnvFile(text: string, file: string): EnvFileResult {
  const vars: Record<string, string> = {}
  const issues: ConfigIssue[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const fail = (line: number, column: number, message: string, hint?: string) => issues.push({code: 'invalid-env-file', file, line, column, message, hint})

  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1
    const raw = lines[index]
    const indent = raw.length - raw.trimStart().length
    let rest = raw.trimStart()
    if (rest === '' || rest.startsWith('#')) continue
    let column = indent + 1
    const exported = /^export\s+/.exec(rest)
    if (exported) {
      rest = rest.slice(exported[0].length)
      column += exported[0].length
    }
    const key = WORD.exec(rest)?.[0]
    if (!key) {
      fail(lineNo, column, `invalid line: expected KEY=VALUE`)
      continue
    }
    if (!KEY.test(key)) {
      fail(lineNo, column, `invalid variable name "${excerpt(key)}"`, 'names have letters, digits and "_" and do not start with a digit')
      continue
    }
    const afterKey = rest.slice(key.length)
    const eq = /^\s*=\s*/.exec(afterKey)
    if (!eq) {
      fail(lineNo, column + key.length, `missing "=" after "${excerpt(key)}"`, 'write KEY=VALUE')
      continue
    }
    const valueColumn = column + key.length + eq[0].length
    let value = afterKey.slice(eq[0].length)
    const quote = value[0]
    if (quote === '"' || quote === "'") {
      // A quoted value may continue on the following lines until its closing quote.
      let body = value.slice(1)
      let endLine = index
      // Scan each added line once (from where the last scan stopped): an unclosed quote before 50 000 lines stays linear.
      let scan = findClosingQuote(body, quote, 0)
      while (scan.at < 0 && endLine + 1 < lines.length) {
        endLine++
        body += `\n${lines[endLine]}`
        scan = findClosingQuote(body, quote, scan.resume)
      }
      const close = scan.at
      if (close < 0) {
        fail(lineNo, valueColumn, `unclosed ${quote} in the value of ${key}`, `add the closing ${quote}`)
        break
      }
      const trailing = body.slice(close + 1).split('\n').at(-1)!.trim()
      if (trailing !== '' && !trailing.startsWith('#')) {
        fail(endLine + 1, 1, `unexpected text after the quoted value of ${key}: ${excerpt(trailing)}`)
      }
      const inner = body.slice(0, close)
      value = quote === '"' ? inner.replace(/\\(.)/g, (whole, char: string) => ESCAPES[char] ?? whole) : inner
      index = endLine
    } else {
      // ` # comment`; search + slice rather than /\s+#.*$/, which backtracks quadratically over a long run of blanks.
      const comment = value.search(/\s#/)
      value = (comment < 0 ? value : value.slice(0, comment)).trim()
    }
    vars[key] = value
  }
  return {vars, issues}
}

/** Index of the closing quote in text from `from`, or -1 and where to resume once more text is added. */
function findClosingQuote(text: string, quote: string, from: number): {at: number; resume: number} {
  let i = from
  for (; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++
    else if (text[i] === quote) return {at: i, resume: i}
  }
  return {at: -1, resume: i}
}
