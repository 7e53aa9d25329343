// A Procfile (`name: command` per line, `#` comments, blank lines) read as
// the short form of mar.yaml: `{runners: {name: command}}`, one parallel
// group. Its locator points at the name or the command of each line, so
// the same validation and messages apply as for YAML.
import type {ConfigIssue} from './types.js'
import type {Locator, ParsedSource, Position} from './source.js'

const LINE = /^([^:\s#][^:\s]*)\s*:\s*(.*)$/

export interface ProcfileResult {
  source: ParsedSource
  issues: ConfigIssue[]
}

export function parseProcfile(file: string, text: string): ProcfileResult {
  const runners: Record<string, string> = {}
  const places = new Map<string, {key: Position; value: Position}>()
  const issues: ConfigIssue[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const indent = raw.length - raw.trimStart().length
    const match = LINE.exec(trimmed)
    if (!match) {
      issues.push({code: 'procfile-syntax', file, line, column: indent + 1, message: `invalid Procfile line: expected NAME: COMMAND`, hint: 'e.g. web: node server.js'})
      return
    }
    const [, name, command] = match
    const key = {line, column: indent + 1}
    if (places.has(name)) {
      const first = places.get(name)!.key.line
      issues.push({code: 'duplicate-name', file, ...key, message: `duplicate name "${name}"`, hint: `"${name}" is already defined on line ${first}`})
      return
    }
    runners[name] = command
    places.set(name, {key, value: {line, column: indent + 1 + trimmed.length - command.length}})
  })

  const start: Position = {line: 1, column: 1}
  const locator: Locator = {
    locate(path, at = 'value') {
      const place = path[0] === 'runners' && path.length >= 2 ? places.get(String(path[1])) : undefined
      if (!place) return start
      return at === 'key' || path.length > 2 ? place.key : place.value
    },
    locateInString(path, offset) {
      const place = path[0] === 'runners' && path.length === 2 ? places.get(String(path[1])) : undefined
      return place ? {line: place.value.line, column: place.value.column + offset} : undefined
    },
  }
  return {source: {file, data: {runners}, locator}, issues}
}
