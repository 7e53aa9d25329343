// Mistakes of layout that YAML parses without complaint but into something
// else than the person meant, found on the parsed data before the schema's
// issues are reported:
//
//   runners:            `cmd` one level too shallow: YAML reads a runner
//     web:              "web" with no value and a runner "cmd". We say
//     cmd: node x       "cmd" looks like a key of runner "web".
//
//   cmd:                `- echo a: b` is a one-key map in YAML; the person
//     - echo a: b       meant the text: quote it.
//
// Each finding replaces the schema's issues at the paths it explains (the
// null runner, the "runner" named cmd), so the user reads one line per
// mistake instead of its consequences.
import type {z} from 'zod'
import type {ConfigIssue} from './types.js'
import type {ConfigPath, ParsedSource} from './source.js'
import {colonHint} from './yaml-hints.js'
import {fitsKeyAt, keysAt, label} from './zod-issues.js'

type Issue = z.core.$ZodIssue

export interface LayoutFindings {
  issues: ConfigIssue[]
  /** Paths whose schema issues the findings explain (and replace). */
  covered: ConfigPath[]
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isScalar = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value)
const COMMAND_KEYS = new Set(['cmd', 'exec'])

export function findLayoutMistakes(source: ParsedSource, schema: z.ZodType, schemaIssues: readonly Issue[]): LayoutFindings {
  const findings: LayoutFindings = {issues: [], covered: []}
  const failing = schemaIssues.map((issue) => issue.path as ConfigPath)
  const invalidAt = (path: ConfigPath) => failing.some((p) => startsWith(p, path))
  const at = (path: ConfigPath, where: 'key' | 'value') => ({file: source.file, ...source.locator.locate(path, where)})

  function walk(value: unknown, path: ConfigPath): void {
    if (Array.isArray(value) && path.length > 0) {
      value.forEach((item, i) => {
        const only = isMap(item) ? Object.entries(item) : []
        if (only.length !== 1 || !isScalar(only[0][1]) || keysAt(schema, [...path, i]).length > 0) return walk(item, [...path, i])
        // `- echo a: b` became {"echo a": "b"}; written back, it is the text they typed.
        const [key, inner] = only[0]
        const text = inner === null ? `${key}:` : `${key}: ${String(inner)}`
        const lead = source.locator.isFlow?.(path) ? '' : '- '
        const hint = colonHint(0, COMMAND_KEYS.has(String(path.at(-1))) ? 'command' : 'value', lead, text)
        findings.issues.push({code: 'yaml-syntax', ...at([...path, i], 'value'), message: hint.message, hint: hint.hint})
        findings.covered.push([...path, i])
      })
      return
    }
    if (!isMap(value)) return
    const known = keysAt(schema, path)
    // A map of names (runners, groups, hosts) whose entries are objects, as opposed to an object with fixed keys.
    const names = known.length === 0
    const entries = Object.entries(value)
    const claimed = new Set<number>()
    entries.forEach(([key, inner], i) => {
      const owner = names || !known.includes(key) ? ownerBefore(entries, i, claimed, path, key, inner, names) : undefined
      if (!owner) return walk(inner, [...path, key])
      claimed.add(i)
      const name = String(owner.at(-1))
      findings.issues.push({code: 'unknown-key', ...at([...path, key], 'key'), message: `"${key}" looks like a key of ${describe(owner)}`, hint: `did you mean to indent it under "${name}"?`})
      findings.covered.push([...path, key])
      // The empty owner's own error ("got nothing") is this same mistake.
      if (valueAt(source.data, owner) === null) findings.covered.push(owner)
    })
  }

  /**
   * Which earlier entry `key` belongs under: the nearest sibling before it
   * (skipping siblings already found misplaced), or the last entry inside
   * that sibling, deepest first, whose keys include `key` and which lacks it.
   * In a map of names, where `key` is a legal name, only when the sibling is
   * empty or the entry is no valid value anyway.
   */
  function ownerBefore(entries: [string, unknown][], i: number, claimed: Set<number>, path: ConfigPath, key: string, value: unknown, names: boolean): ConfigPath | undefined {
    let j = i - 1
    while (j >= 0 && claimed.has(j)) j--
    if (j < 0) return undefined
    const [sibling, siblingValue] = entries[j]
    if (names && siblingValue !== null && !invalidAt([...path, key])) return undefined
    const owner = deepestOwner([...path, sibling], siblingValue, key)
    // In a map of names, `log: tail -f x` after an empty `web:` is a runner called log, not web's log settings.
    if (owner && names && value !== null && !fitsKeyAt(schema, owner, key, value)) return undefined
    return owner
  }

  function deepestOwner(path: ConfigPath, value: unknown, key: string): ConfigPath | undefined {
    if (isMap(value)) {
      const last = Object.keys(value).at(-1)
      const inner = last === undefined ? undefined : deepestOwner([...path, last], value[last], key)
      if (inner) return inner
    }
    if ((value === null || (isMap(value) && !(key in value))) && keysAt(schema, path).includes(key)) return path
    return undefined
  }

  walk(source.data, [])
  return findings
}

/** `runner "web"`, `group "app"`, `host "web1"`, `"ready" in runner "web"`. */
function describe(path: ConfigPath): string {
  const kinds: Record<string, string> = {runners: 'runner', groups: 'group', hosts: 'host'}
  // The innermost name in a map of names: runners.NAME or groups.G.runners.NAME, groups.NAME, hosts.NAME.
  let at = -1
  for (let i = 0; i < path.length - 1; i++) if (kinds[String(path[i])] && (i === 0 || path[i] === 'runners')) at = i
  if (at < 0) return `"${label(path)}"`
  const entity = `${kinds[String(path[at])]} "${String(path[at + 1])}"`
  const rest = path.slice(at + 2)
  return rest.length === 0 ? entity : `"${rest.join('.')}" in ${entity}`
}

function startsWith(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => String(part) === String(path[i]))
}

function valueAt(data: unknown, path: ConfigPath): unknown {
  let value = data
  for (const part of path) value = isMap(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[part] : undefined
  return value
}
