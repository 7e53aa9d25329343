// YAML → plain data plus a Locator over the node tree (with a LineCounter,
// so positions are 1-based line:column). Syntax errors become `yaml-syntax`
// issues, all of them; duplicate keys become `duplicate-name` and do not
// stop validation, since the rest of the document is still meaningful.
import {LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node} from 'yaml'
import type {ConfigIssue} from './types.js'
import {hintForYamlError} from './yaml-hints.js'
import type {ConfigPath, Locator, ParsedSource, Position} from './source.js'

export interface YamlParseResult {
  source: ParsedSource
  issues: ConfigIssue[]
  /** True when the document is too broken to validate further. */
  fatal: boolean
}

export function parseYamlSource(file: string, text: string): YamlParseResult {
  const {fixes, ...read} = readYaml(file, text)
  // Every syntax error one whose fix is certain (a value to quote): check the
  // file as fixed too, so its other mistakes show in the same run.
  if (read.fatal && fixes) {
    const lines = text.split('\n')
    for (const [line, fixed] of fixes) lines[line - 1] = fixed
    const {fixes: _none, ...again} = readYaml(file, lines.join('\n'))
    if (!again.fatal) return {...again, issues: [...read.issues.filter((issue) => issue.code === 'yaml-syntax'), ...again.issues]}
  }
  return read
}

/** Parse; `fixes`: the corrected lines when every syntax error has a certain fix, else null. */
function readYaml(file: string, text: string): YamlParseResult & {fixes: Map<number, string> | null} {
  const lineCounter = new LineCounter()
  // merge: YAML 1.1 `<<: *defaults`, which compose users expect; uniqueKeys
  // (the default) reports duplicate runner and group names.
  const doc = parseDocument(text, {lineCounter, merge: true, prettyErrors: false, keepSourceTokens: false})
  const issues: ConfigIssue[] = []
  let fatal = false
  let fixes: Map<number, string> | null = new Map()
  for (const error of doc.errors) {
    const {line, col} = lineCounter.linePos(error.pos[0])
    if (error.code === 'DUPLICATE_KEY') {
      const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]+?)\s*:/.exec(text.slice(error.pos[0]))?.[1].replace(/^["']|["']$/g, '') ?? 'key'
      issues.push({code: 'duplicate-name', file, line, column: col, message: `duplicate key "${key}"`, hint: 'each name may appear once in a map'})
    } else {
      fatal = true
      // A hint in the user's terms where we recognise the mistake; one per line (one mistake often breaks the grammar twice).
      const hint = hintForYamlError(error, text, line)
      if (hint?.fix !== undefined && hint.line === line) fixes?.set(line, hint.fix)
      else fixes = null
      const issue: ConfigIssue = hint
        ? {code: 'yaml-syntax', file, line: hint.line, column: hint.column ?? col, message: hint.message, hint: hint.hint}
        : {code: 'yaml-syntax', file, line, column: col, message: `invalid YAML: ${firstLine(error.message)}`}
      if (!issues.some((other) => other.line === issue.line && other.message === issue.message)) issues.push(issue)
    }
  }
  for (const warning of doc.warnings) {
    const {line, col} = lineCounter.linePos(warning.pos[0])
    issues.push({code: 'yaml-syntax', file, line, column: col, message: `invalid YAML: ${firstLine(warning.message)}`})
  }
  let data: unknown = null
  if (!fatal) {
    try {
      data = doc.toJS({maxAliasCount: 1000})
    } catch (error) {
      // e.g. an alias bomb past maxAliasCount
      fatal = true
      issues.push({code: 'yaml-syntax', file, line: 1, column: 1, message: `invalid YAML: ${firstLine((error as Error).message)}`})
    }
  }
  return {source: {file, data, locator: yamlLocator(doc, lineCounter, text)}, issues, fatal, fixes}
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
}

interface Step {
  node: Node | null
  key?: Node
}

function yamlLocator(doc: Document, lines: LineCounter, text: string): Locator {
  const position = (offset: number): Position => {
    const {line, col} = lines.linePos(offset)
    return {line, column: col}
  }

  // Walk the node tree along path; stops at the last node that exists.
  function walk(path: ConfigPath): {steps: Step[]; complete: boolean} {
    const steps: Step[] = [{node: doc.contents as Node | null}]
    for (const part of path) {
      let node = steps.at(-1)!.node
      if (node && isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null
      if (node && isMap(node)) {
        // The last pair wins, as in toJS() when a key is duplicated.
        const pair = node.items.findLast((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(part))
        if (!pair) return {steps, complete: false}
        steps.push({node: (pair.value as Node | null) ?? null, key: pair.key as Node})
      } else if (node && isSeq(node) && typeof part === 'number' && node.items[part]) {
        steps.push({node: node.items[part] as Node})
      } else {
        return {steps, complete: false}
      }
    }
    return {steps, complete: true}
  }

  const rangeStart = (node: Node | undefined | null): number | undefined => node?.range?.[0]

  return {
    locate(path, at = 'value') {
      const {steps, complete} = walk(path)
      const last = steps.at(-1)!
      // A missing key points at its parent's key (`web:`), a present one at
      // its key or value; a null value (`cmd:`) has no range of its own.
      const preferKey = at === 'key' || !complete || last.node === null || rangeStart(last.node) === undefined
      const offset = preferKey ? (rangeStart(last.key) ?? rangeStart(last.node)) : rangeStart(last.node)
      if (offset !== undefined) return position(offset)
      const fallback = [...steps].reverse().map((step) => rangeStart(step.key) ?? rangeStart(step.node)).find((o) => o !== undefined)
      return fallback === undefined ? undefined : position(fallback)
    },
    isFlow(path) {
      const {steps, complete} = walk(path)
      const node = steps.at(-1)!.node
      return complete && (isSeq(node) || isMap(node)) && node.flow === true
    },
    locateInString(path, offset) {
      const {steps, complete} = walk(path)
      const node = steps.at(-1)!.node
      if (!complete || !node || !isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined
      const start = node.range[0]
      const raw = text.slice(start, node.range[1])
      // Exact columns only where the source spells the value literally
      // (plain or simply quoted); otherwise the scalar's start is close enough.
      if (raw === node.value) return position(start + offset)
      if ((raw[0] === '"' || raw[0] === "'") && raw.slice(1, -1) === node.value) return position(start + 1 + offset)
      return position(start)
    },
  }
}
