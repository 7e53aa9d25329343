// zod's issues → ConfigIssues with a position, a message in mar's words and
// a did-you-mean. Unions are resolved to the branch the user evidently meant
// (the one whose type matched), so a misspelt key inside a runner object is
// one "unknown key" error, not "expected string or object".
import type {z} from 'zod'
import {excerpt} from './issues.js'
import {KEY_ALIASES, didYouMean, suggest} from './suggest.js'
import type {ConfigIssue} from './types.js'
import type {ConfigPath, ParsedSource} from './source.js'

type Issue = z.core.$ZodIssue
type Path = (string | number)[]

/**
 * Convert zod's issues (paths relative to `base` inside the source) into
 * ConfigIssues, leaving out those at or below a `covered` path (explained
 * by a layout hint; an unknown key there is dropped key by key).
 */
export function issuesFromZod(issues: readonly Issue[], source: ParsedSource, schema: z.ZodType, base: ConfigPath = [], covered: readonly ConfigPath[] = []): ConfigIssue[] {
  const flat = dropCovered(flatten(issues, [...base], source.data), covered)
  // A refinement of an object that also has an unknown key ("a probe needs
  // one check" beside `tpc`) is a consequence of the typo: report the typo only.
  // Likewise `comand` makes `cmd` missing: the did-you-mean says it all.
  const withUnknown = new Set<string>()
  const meant = new Set<string>()
  for (const issue of flat) {
    if (issue.code !== 'unrecognized_keys') continue
    withUnknown.add(JSON.stringify(issue.path))
    const known = keysAt(schema, (issue.path as Path).slice(base.length))
    for (const key of issue.keys) {
      const guess = suggest(key, known, KEY_ALIASES)
      if (guess) meant.add(JSON.stringify([...issue.path, guess]))
    }
  }
  const out: ConfigIssue[] = []
  for (const issue of flat) {
    if (issue.code === 'custom' && issue.path.length > 0 && withUnknown.has(JSON.stringify(issue.path))) continue
    if (issue.code === 'invalid_type' && meant.has(JSON.stringify(issue.path)) && valueAt(source.data, issue.path as Path) === undefined) continue
    out.push(...convert(issue, source, schema, base))
  }
  return out
}

function dropCovered(issues: Issue[], covered: readonly ConfigPath[]): Issue[] {
  if (covered.length === 0) return issues
  const isCovered = (path: ConfigPath) => covered.some((c) => c.length <= path.length && c.every((part, i) => String(part) === String(path[i])))
  return issues.flatMap((issue): Issue[] => {
    if (isCovered(issue.path as Path)) return []
    if (issue.code !== 'unrecognized_keys') return [issue]
    const keys = issue.keys.filter((key) => !isCovered([...(issue.path as Path), key]))
    return keys.length === 0 ? [] : [{...issue, keys}]
  })
}

function flatten(issues: readonly Issue[], prefix: Path, data: unknown): Issue[] {
  const result: Issue[] = []
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as Path)]
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) {
      result.push({...issue, path} as Issue)
      continue
    }
    // A branch whose own type matched (no invalid_type at the union itself)
    // is the one the user meant; report its issues.
    const input = valueAt(data, path)
    const matched = issue.errors.find((branch) => !isTypeMiss(branch, input))
    if (matched) {
      result.push(...flatten(matched, path, data))
      continue
    }
    const expected = [...new Set(issue.errors.flatMap((branch) => expectedOfBranch(branch)))].filter(Boolean)
    result.push({code: 'invalid_type', expected: listOr(expected), path, message: '', input: undefined} as unknown as Issue)
  }
  return result
}

/**
 * Whether a union branch failed because the value has another type: an
 * invalid_type at the branch's root, a literal (`notify`) missed by a
 * non-string, or a nested union all of whose branches are type misses.
 */
function isTypeMiss(branch: readonly Issue[], input: unknown): boolean {
  return branch.some(
    (inner) =>
      inner.path.length === 0 &&
      (inner.code === 'invalid_type' ||
        (inner.code === 'invalid_value' && typeof input !== 'string') ||
        (inner.code === 'invalid_union' && inner.errors.every((nested) => isTypeMiss(nested, input)))),
  )
}

function expectedOfBranch(branch: readonly Issue[]): string[] {
  return branch.filter((inner) => inner.path.length === 0).flatMap((inner) => (inner.code === 'invalid_union' ? inner.errors.flatMap(expectedOfBranch) : [expectedOf(inner)]))
}

function expectedOf(issue: Issue): string {
  if (issue.code === 'invalid_type') return article(String(issue.expected))
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' or ')
  return ''
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true/false',
  object: 'a map',
  array: 'a list',
  record: 'a map',
}

function article(expected: string): string {
  return TYPE_NAMES[expected] ?? expected
}

/** `"abc"`, `a number (5)`, `a list`, `nothing`: what the user wrote. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  // An excerpt: a value can be a megabyte long.
  if (typeof value === 'string') return value.length <= 60 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 59)).slice(0, -1)}…" (${value.length} characters)`
  return `${typeof value === 'number' ? 'the number' : typeof value} ${String(value)}`
}

function valueAt(data: unknown, path: ConfigPath): unknown {
  let value = data
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string | number, unknown>)[part]
  }
  return value
}

/** `cmd[2]`, `stop.signal`: the key path below the runner/group/host name, for messages. */
export function label(path: ConfigPath): string {
  let start = 0
  const container = (i: number) => (i === 0 && ['groups', 'hosts', 'runners'].includes(String(path[0]))) || (i === 2 && path[0] === 'groups' && path[2] === 'runners')
  for (let i = 0; i < path.length; i++) if (container(i)) start = i + 2
  const parts = path.slice(Math.min(start, path.length - 1)).map((part) => (typeof part === 'number' ? part : excerpt(part)))
  return parts.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '')
}

function convert(issue: Issue, source: ParsedSource, schema: z.ZodType, base: ConfigPath): ConfigIssue[] {
  const path = issue.path as Path
  const at = (p: ConfigPath, where: 'key' | 'value' = 'value') => {
    const pos = source.locator.locate(p, where)
    return {file: source.file, line: pos?.line, column: pos?.column}
  }
  const input = valueAt(source.data, path)
  const name = label(path)
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const known = keysAt(schema, path.slice(base.length))
        return {code: 'unknown-key', ...at([...path, key], 'key'), message: `unknown key "${excerpt(key)}"`, hint: unknownKeyHint(key, known, valueAt(input, [key]), path)}
      })
    case 'invalid_type':
      if (input === undefined && path.length > 0 && valueAt(source.data, path.slice(0, -1)) !== undefined) {
        return [{code: 'missing-key', ...at(path.slice(0, -1), 'key'), message: `missing required key "${name}"`}]
      }
      // A union nobody matched arrives from flatten() with `expected` already in words and no message.
      const expected = issue.message === '' ? String(issue.expected) : article(String(issue.expected))
      return [{code: 'invalid-type', ...at(path), message: `"${name}" must be ${expected}, got ${describeValue(input)}`, hint: VALUE_HINTS[String(path.at(-1))]}]
    case 'invalid_value': {
      const options = issue.values.map(String)
      const hint = typeof input === 'string' ? didYouMean(input, options) : undefined
      return [{code: 'invalid-value', ...at(path), message: `invalid value ${describeValue(input)} for "${name}": expected ${listOr(options)}`, hint}]
    }
    case 'invalid_key': {
      const inner = issue.issues[0]
      return [{code: 'invalid-value', ...at(path, 'key'), message: `invalid name "${excerpt(String(path.at(-1)))}": ${inner?.message ?? 'not allowed'}`}]
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum
      const custom = !issue.message.startsWith('Too ')
      const word = issue.code === 'too_small' ? (issue.inclusive === false ? 'greater than' : 'at least') : issue.inclusive === false ? 'less than' : 'at most'
      const message = custom
        ? issue.message
        : issue.origin === 'array'
          ? `"${name}" needs ${word} ${String(bound)} entries`
          : issue.origin === 'string'
            ? `"${name}" may have ${word} ${String(bound)} characters, got ${typeof input === 'string' ? input.length : describeValue(input)}`
            : `"${name}" must be ${word} ${String(bound)}, got ${describeValue(input)}`
      return [{code: 'invalid-value', ...at(path), message}]
    }
    case 'invalid_format':
      return [{code: 'invalid-value', ...at(path), message: `invalid "${name}" ${describeValue(input)}: ${issue.message}`}]
    case 'custom': {
      const params = (issue.params ?? {}) as {hint?: string; code?: string}
      return [{code: params.code ?? 'invalid-value', ...at(path), message: `"${name}": ${issue.message}`, hint: params.hint}]
    }
    default:
      return [{code: 'invalid-value', ...at(path), message: `"${name}": ${issue.message}`}]
  }
}

/** What to write, for keys whose values have a syntax of their own. */
const VALUE_HINTS: Record<string, string> = {
  limit: 'write N/DURATION, e.g. 5/60s',
  timeout: 'write a duration such as 10s',
  interval: 'write a duration such as 250ms',
  initial: 'write a duration such as 100ms',
  max: 'write a duration such as 30s',
  debounce: 'write a duration such as 300ms',
  after: 'write a duration such as 2s',
  memory_limit: 'write a size such as 512M',
  max_size: 'write a size such as 10M',
  memory: 'write a size such as 256M',
  signal: 'write a signal such as SIGTERM',
}

function unknownKeyHint(key: string, known: string[], value: unknown, path: Path): string | undefined {
  if (key === 'after' && path.at(-1) === 'health') return '"after" is a readiness check only; use it under ready:'
  const guess = didYouMean(key, known, KEY_ALIASES)
  if (guess) return guess
  // `app: {web: {cmd: ...}}`: a runner written straight into a group.
  const looksLikeRunner = typeof value === 'string' || (typeof value === 'object' && value !== null && 'cmd' in value)
  if (path[0] === 'groups' && path.length === 2 && looksLikeRunner) return `runners of a group go under "runners:"`
  if (path.length === 0 && looksLikeRunner) return 'runners go under "runners:" (or groups: NAME: runners:)'
  return known.length > 0 ? `known keys: ${known.join(', ')}` : undefined
}

function listOr(options: string[]): string {
  return options.length <= 1 ? (options[0] ?? '') : `${options.slice(0, -1).join(', ')} or ${options.at(-1)}`
}

interface Def {
  type: string
  shape?: Record<string, z.ZodType>
  valueType?: z.ZodType
  element?: z.ZodType
  options?: z.ZodType[]
  innerType?: z.ZodType
  in?: z.ZodType
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as {_zod: {def: Def}})._zod.def

/** The keys an object schema at `path` allows (for did-you-mean), through records, unions and wrappers. */
export function keysAt(schema: z.ZodType, path: ConfigPath): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((s) => Object.keys(defOf(s).shape ?? {})))]
}

/** Whether `value` is valid for `key` of an object schema at `path` (any of them, through unions). */
export function fitsKeyAt(schema: z.ZodType, path: ConfigPath, key: string, value: unknown): boolean {
  return objectsAt(schema, path).some((s) => defOf(s).shape?.[key]?.safeParse(value).success === true)
}

/** The schemas at `path`, unwrapped down to objects (and whatever else ends there). */
function objectsAt(schema: z.ZodType, path: ConfigPath): z.ZodType[] {
  let current: z.ZodType[] = [schema]
  for (const part of [...path, null]) {
    const next: z.ZodType[] = []
    const queue = [...current]
    while (queue.length > 0) {
      const s = queue.shift()!
      const def = defOf(s)
      if (def.innerType) queue.push(def.innerType)
      else if (def.type === 'pipe' && def.in) queue.push(def.in)
      else if (def.type === 'union' && def.options) queue.push(...def.options)
      else if (part === null) next.push(s)
      else if (def.type === 'object' && def.shape && typeof part === 'string' && def.shape[part]) next.push(def.shape[part])
      else if (def.type === 'record' && def.valueType) next.push(def.valueType)
      else if (def.type === 'array' && def.element && typeof part === 'number') next.push(def.element)
    }
    current = next
  }
  return current
}
