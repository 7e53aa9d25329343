// dotenv files: `KEY=VALUE`, `export KEY=VALUE`, `# comments`, blank lines;
// values unquoted (trimmed, ` # comment` stripped), 'single-quoted'
// (literal) or "double-quoted" (escapes \n \r \t \" \\ \$; may span lines).
// Values are taken literally: no `${VAR}` expansion inside env files, so a
// file's meaning does not depend on the environment that reads it.
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
      fail(lineNo, column, `invalid variable name "${key}"`, 'names have letters, digits and "_" and do not start with a digit')
      continue
    }
    const afterKey = rest.slice(key.length)
    const eq = /^\s*=\s*/.exec(afterKey)
    if (!eq) {
      fail(lineNo, column + key.length, `missing "=" after "${key}"`, 'write KEY=VALUE')
      continue
    }
    const valueColumn = column + key.length + eq[0].length
    let value = afterKey.slice(eq[0].length)
    const quote = value[0]
    if (quote === '"' || quote === "'") {
      // A quoted value may continue on the following lines until its closing quote.
      let body = value.slice(1)
      let endLine = index
      let close = findClosingQuote(body, quote)
      while (close < 0 && endLine + 1 < lines.length) {
        endLine++
        body += `\n${lines[endLine]}`
        close = findClosingQuote(body, quote)
      }
      if (close < 0) {
        fail(lineNo, valueColumn, `unclosed ${quote} in the value of ${key}`, `add the closing ${quote}`)
        break
      }
      const trailing = body.slice(close + 1).split('\n').at(-1)!.trim()
      if (trailing !== '' && !trailing.startsWith('#')) {
        fail(endLine + 1, 1, `unexpected text after the quoted value of ${key}: ${trailing}`)
      }
      const inner = body.slice(0, close)
      value = quote === '"' ? inner.replace(/\\(.)/g, (whole, char: string) => ESCAPES[char] ?? whole) : inner
      index = endLine
    } else {
      value = value.replace(/\s+#.*$/, '').trim()
    }
    vars[key] = value
  }
  return {vars, issues}
}

function findClosingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++
    else if (text[i] === quote) return i
  }
  return -1
}
