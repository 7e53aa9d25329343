// YAML → plain data plus a Locator over the node tree (with a LineCounter,
// so positions are 1-based line:column). Syntax errors become `yaml-syntax`
// issues, all of them; duplicate keys become `duplicate-name` and do not
// stop validation, since the rest of the document is still meaningful.
import {Lexer, LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap} from 'yaml'
import {excerpt} from './issues.js'
import {LIMITS} from './limits.js'
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

/** Syntax errors read one by one; past this many the file is not YAML, or not this one. */
const MAX_SYNTAX_ERRORS = 20

/** Parse; `fixes`: the corrected lines when every syntax error has a certain fix, else null. */
function readYaml(file: string, text: string): YamlParseResult & {fixes: Map<number, string> | null} {
  const lineCounter = new LineCounter()
  const deepAt = flowTooDeep(text)
  if (deepAt !== undefined) {
    lineCounter.addNewLine(0)
    for (let i = text.indexOf('\n'); i >= 0 && i < deepAt; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1)
    const {line, col} = lineCounter.linePos(deepAt)
    return {source: {file, data: null, locator: {locate: () => undefined}}, issues: [tooDeep(file, line, col)], fatal: true, fixes: null}
  }
  // merge: YAML 1.1 `<<: *defaults`, which compose users expect. uniqueKeys
  // off: the parser compares each key with every earlier one of its map
  // (50 000 env keys took 30 s); duplicateKeys() does it with a Set.
  const doc = parseDocument(text, {lineCounter, merge: true, prettyErrors: false, keepSourceTokens: false, uniqueKeys: false})
  const issues: ConfigIssue[] = []
  let fatal = false
  let fixes: Map<number, string> | null = new Map()
  for (const error of doc.errors.slice(0, MAX_SYNTAX_ERRORS)) {
    const {line, col} = lineCounter.linePos(error.pos[0])
    fatal = true
    // The composer recurses per level and reports running out of stack as its own error.
    if (/call stack/i.test(error.message)) {
      fixes = null
      issues.push(tooDeep(file, line, col))
      continue
    }
    // A hint in the user's terms where we recognise the mistake; one per line (one mistake often breaks the grammar twice).
    const hint = hintForYamlError(error, text, line)
    if (hint?.fix !== undefined && hint.line === line) fixes?.set(line, hint.fix)
    else fixes = null
    const issue: ConfigIssue = hint
      ? {code: 'yaml-syntax', file, line: hint.line, column: hint.column ?? col, message: hint.message, hint: hint.hint}
      : {code: 'yaml-syntax', file, line, column: col, message: `invalid YAML: ${firstLine(error.message)}`}
    if (!issues.some((other) => other.line === issue.line && other.message === issue.message)) issues.push(issue)
  }
  if (doc.errors.length > MAX_SYNTAX_ERRORS) {
    const {line, col} = lineCounter.linePos(doc.errors[MAX_SYNTAX_ERRORS].pos[0])
    issues.push({code: 'yaml-syntax', file, line, column: col, message: `and ${doc.errors.length - MAX_SYNTAX_ERRORS} more YAML syntax errors`, hint: 'is this a mar.yaml?'})
  }
  for (const warning of doc.warnings.slice(0, MAX_SYNTAX_ERRORS)) {
    const {line, col} = lineCounter.linePos(warning.pos[0])
    issues.push({code: 'yaml-syntax', file, line, column: col, message: `invalid YAML: ${firstLine(warning.message)}`})
  }
  if (!fatal) {
    const shape = checkShape(doc, file, lineCounter)
    issues.push(...shape.issues)
    fatal = shape.tooDeep
  }
  let data: unknown = null
  if (!fatal) {
    try {
      data = doc.toJS({maxAliasCount: 1000})
      // Aliases can stack one nested value into another: measure what they built too.
      if (heightOf(data) > LIMITS.depth) {
        fatal = true
        issues.push(tooDeep(file, 1, 1, 'through aliases'))
      }
    } catch (error) {
      // e.g. an alias bomb past maxAliasCount
      fatal = true
      issues.push({code: 'yaml-syntax', file, line: 1, column: 1, message: `invalid YAML: ${firstLine((error as Error).message)}`})
    }
  }
  return {source: {file, data, locator: yamlLocator(doc, lineCounter, text)}, issues, fatal, fixes}
}

/**
 * Where flow collections (`[[[…`) nest past LIMITS.depth, found by the
 * lexer alone: the parser's cost grows with depth (4 MiB of `[` took 45 s
 * to parse). Only a file with that many openers can be that deep.
 */
function flowTooDeep(text: string): number | undefined {
  let openers = 0
  for (let i = 0; i < text.length && openers <= LIMITS.depth; i++) if (text[i] === '[' || text[i] === '{') openers++
  if (openers <= LIMITS.depth) return undefined
  let depth = 0
  let offset = 0
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > LIMITS.depth) return offset
    } else if (token === ']' || token === '}') {
      depth = Math.max(0, depth - 1)
    }
    // The lexer's own markers (document start, scalar, flow error end) are single control characters with no text behind them.
    if (!(token.length === 1 && token < ' ' && token !== '\n' && token !== '\t')) offset += token.length
  }
  return undefined
}

function tooDeep(file: string, line: number, column: number, how?: string): ConfigIssue {
  return {code: 'too-deep', file, line, column, message: `maps and lists nested more than ${LIMITS.depth} levels deep${how ? ` ${how}` : ''}`, hint: 'a mar.yaml needs 7 levels at most: is this the right file?'}
}

/**
 * Duplicate keys (an issue each, not fatal: the rest still means something)
 * and nesting past LIMITS.depth (fatal: the steps after recurse per level),
 * in one pass over the node tree without recursion.
 */
function checkShape(doc: Document, file: string, lines: LineCounter): {issues: ConfigIssue[]; tooDeep: boolean} {
  const issues: ConfigIssue[] = []
  const at = (node: Node | null | undefined) => lines.linePos(node?.range?.[0] ?? 0)
  const stack: Array<[Node | null | undefined, number]> = [[doc.contents as Node | null, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (!isMap(node) && !isSeq(node)) continue
    if (depth > LIMITS.depth) {
      const {line, col} = at(node)
      return {issues: [...issues, tooDeep(file, line, col)], tooDeep: true}
    }
    const seen = new Set<unknown>()
    for (const item of node.items) {
      if (!isPair(item)) {
        stack.push([item as Node, depth + 1])
        continue
      }
      const key = item.key as Node | null
      // A scalar key is its value (1 and "1" differ, as in the parser's own check); `<<` merge keys may repeat.
      const id = isScalar(key) ? key.value : key
      if (typeof id !== 'symbol') {
        if (seen.has(id)) {
          const {line, col} = at(key)
          const name = isScalar(key) ? (key.source ?? String(key.value)) : 'key'
          issues.push({code: 'duplicate-name', file, line, column: col, message: `duplicate key "${excerpt(String(name))}"`, hint: 'each name may appear once in a map'})
        }
        seen.add(id)
      }
      stack.push([key, depth + 1], [item.value as Node | null, depth + 1])
    }
  }
  return {issues, tooDeep: false}
}

/** Levels of nested objects and arrays in plain data, without recursion; a value shared through aliases is measured once. */
function heightOf(data: unknown): number {
  const heights = new Map<object, number>()
  const stack: Array<[object, boolean]> = typeof data === 'object' && data !== null ? [[data, false]] : []
  while (stack.length > 0) {
    const [value, childrenDone] = stack.pop()!
    const children = Object.values(value).filter((child): child is object => typeof child === 'object' && child !== null)
    if (childrenDone) {
      heights.set(value, 1 + children.reduce((most, child) => Math.max(most, heights.get(child) ?? 0), 0))
      // Past the limit the exact figure does not matter; stop early.
      if (heights.get(value)! > LIMITS.depth) return heights.get(value)!
      continue
    }
    if (heights.has(value)) continue
    stack.push([value, true])
    for (const child of children) if (!heights.has(child)) stack.push([child, false])
  }
  return typeof data === 'object' && data !== null ? (heights.get(data) ?? 0) : 0
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

  // Each map's pairs by key, built once: an issue on each of 50 000 keys must not search the map 50 000 times.
  const pairIndex = new WeakMap<object, Map<string, Pair>>()
  function pairsOf(map: YAMLMap): Map<string, Pair> {
    let index = pairIndex.get(map)
    if (!index) {
      index = new Map()
      // The last pair wins, as in toJS() when a key is duplicated.
      for (const item of map.items) if (isPair(item) && isScalar(item.key)) index.set(String(item.key.value), item)
      pairIndex.set(map, index)
    }
    return index
  }

  // Walk the node tree along path; stops at the last node that exists.
  function walk(path: ConfigPath): {steps: Step[]; complete: boolean} {
    const steps: Step[] = [{node: doc.contents as Node | null}]
    for (const part of path) {
      let node = steps.at(-1)!.node
      if (node && isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null
      if (node && isMap(node)) {
        const pair = pairsOf(node).get(String(part))
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
