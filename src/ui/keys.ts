// The TUI's keys: one default map naming every action of the screen, the
// user's overrides from a small YAML file, and the translation of what ink's
// useInput hands over (input, key) into an action. A bad keys file must never
// stop the screen from opening: it costs a one-line warning and the defaults.
import {closeSync, constants, fstatSync, openSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import type {Key} from 'ink'
import {parse} from 'yaml'
import {isMouseReport} from './mouse.js'

export type Action =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'nextPane'
  | 'filter'
  | 'restart'
  | 'stop'
  | 'start'
  | 'signal'
  | 'reload'
  | 'scaleUp'
  | 'scaleDown'
  | 'follow'
  | 'wrap'
  | 'timestamps'
  | 'stderrOnly'
  | 'fullScreen'
  | 'search'
  | 'nextMatch'
  /** `N`: the search's other direction (not in the first draft of the design; the issue asks for n/N). */
  | 'prevMatch'
  | 'graph'
  | 'details'
  | 'help'
  | 'quit'
  | 'sort'
  | 'sortReverse'

/**
 * Key names as `keyName` makes them from ink's useInput: `up`, `down`, `left`, `right`, `pageup`,
 * `pagedown`, `home`, `end`, `tab`, `shift+tab`, `return`, `escape`, `backspace`, `delete`, `space`,
 * `ctrl+x`, `meta+x`, or the character itself (case matters: `s` stops, `S` starts).
 */
export type KeyMap = Record<Action, string[]>

/** Every action, in the order help lists them and conflicts are settled (the earlier one keeps a disputed key). */
export const ACTIONS: readonly Action[] = [
  'up', 'down', 'pageUp', 'pageDown', 'top', 'bottom', 'nextPane', 'filter', 'sort', 'sortReverse',
  'restart', 'stop', 'start', 'signal', 'reload', 'scaleUp', 'scaleDown',
  'follow', 'wrap', 'timestamps', 'stderrOnly', 'fullScreen', 'search', 'nextMatch', 'prevMatch',
  'graph', 'details', 'help', 'quit',
]

/** One line of help per action. */
export const ACTION_HELP: Record<Action, string> = {
  up: 'move up / scroll up',
  down: 'move down / scroll down',
  pageUp: 'one page up',
  pageDown: 'one page down',
  top: 'logs: oldest line (loads older history)',
  bottom: 'logs: newest line',
  nextPane: 'next pane',
  filter: 'table: filter by name',
  sort: 'table: next sort column',
  sortReverse: 'table: reverse the sort',
  restart: 'restart (a group: rolling, one at a time)',
  stop: 'stop',
  start: 'start',
  signal: 'send a signal',
  reload: 'reload the stack (dry run shown first)',
  scaleUp: 'scale the runner up (this session)',
  scaleDown: 'scale the runner down (this session)',
  follow: 'logs: follow new lines',
  wrap: 'logs: wrap long lines',
  timestamps: 'logs: show timestamps',
  stderrOnly: 'logs: stderr only',
  fullScreen: 'logs: full screen',
  search: 'logs: search',
  nextMatch: 'logs: next (older) match',
  prevMatch: 'logs: previous (newer) match',
  graph: 'dependency graph',
  details: 'details of the instance',
  help: 'this help',
  quit: 'quit',
}

export const DEFAULT_KEYS: KeyMap = {
  up: ['up', 'k'],
  down: ['down', 'j'],
  pageUp: ['pageup'],
  pageDown: ['pagedown'],
  top: ['g', 'home'],
  bottom: ['G', 'end'],
  nextPane: ['tab'],
  filter: ['/'],
  sort: ['o'],
  sortReverse: ['O'],
  restart: ['r'],
  stop: ['s'],
  start: ['S'],
  signal: ['K'],
  reload: ['R'],
  scaleUp: ['+'],
  scaleDown: ['-'],
  follow: ['f'],
  wrap: ['w'],
  timestamps: ['t'],
  stderrOnly: ['e'],
  fullScreen: ['F'],
  search: ['/'],
  nextMatch: ['n'],
  prevMatch: ['N'],
  graph: ['g'],
  details: ['d'],
  help: ['?'],
  quit: ['q'],
}

/**
 * Where an action applies. The same key may mean two actions in different panes (`/` filters the
 * table and searches the logs; `g` opens the graph from the table and goes to the oldest line in
 * the logs), so a conflict is one key for two actions of one context.
 */
export type KeyContext = 'table' | 'logs'
const GLOBAL: readonly Action[] = ['nextPane', 'help', 'quit', 'follow', 'wrap', 'timestamps', 'stderrOnly', 'fullScreen']
const MOVES: readonly Action[] = ['up', 'down', 'pageUp', 'pageDown']
export const CONTEXT_ACTIONS: Record<KeyContext, readonly Action[]> = {
  table: [...GLOBAL, ...MOVES, 'filter', 'sort', 'sortReverse', 'restart', 'stop', 'start', 'signal', 'reload', 'scaleUp', 'scaleDown', 'graph', 'details'],
  logs: [...GLOBAL, ...MOVES, 'top', 'bottom', 'search', 'nextMatch', 'prevMatch'],
}

const NAMED = new Set(['up', 'down', 'left', 'right', 'pageup', 'pagedown', 'home', 'end', 'tab', 'shift+tab', 'return', 'escape', 'backspace', 'delete', 'space'])
const ALIASES: Record<string, string> = {enter: 'return', esc: 'escape', pgup: 'pageup', pgdn: 'pagedown', pgdown: 'pagedown', ' ': 'space', del: 'delete'}

/** A key as written in keys.yaml, in the form keyName gives; null when it names no key. */
export function normalizeKey(written: string): string | null {
  if (typeof written !== 'string' || written.length === 0) return null
  if ([...written].length === 1) return ALIASES[written] ?? written
  const lower = written.toLowerCase()
  if (NAMED.has(lower)) return lower
  if (ALIASES[lower]) return ALIASES[lower]!
  const modified = /^(ctrl|control|meta|alt)\+(.)$/i.exec(written)
  if (modified) return `${/^c/i.test(modified[1]!) ? 'ctrl' : 'meta'}+${modified[2]!.toLowerCase()}`
  return null
}

/** The name of what was pressed, in KeyMap's terms. */
export function keyName(input: string, key: Key): string | null {
  if (key.upArrow) return 'up'
  if (key.downArrow) return 'down'
  if (key.leftArrow) return 'left'
  if (key.rightArrow) return 'right'
  if (key.pageUp) return 'pageup'
  if (key.pageDown) return 'pagedown'
  if (key.home) return 'home'
  if (key.end) return 'end'
  if (key.tab) return key.shift ? 'shift+tab' : 'tab'
  if (key.return) return 'return'
  if (key.escape) return 'escape'
  if (key.backspace) return 'backspace'
  if (key.delete) return 'delete'
  if (!input) return null
  if (key.ctrl) return `ctrl+${input.toLowerCase()}`
  if (key.meta) return `meta+${input.toLowerCase()}`
  if (input === ' ') return 'space'
  // A paste arrives as one input of many characters: no key.
  return [...input].length === 1 ? input : null
}

/**
 * The action a key press means, or null. With a context, only that pane's actions (and the global
 * ones) are considered; without, the first action in ACTIONS order that has the key.
 */
export function actionOf(keys: KeyMap, input: string, key: Key, context?: KeyContext): Action | null {
  const name = keyName(input, key)
  if (name === null) return null
  const candidates = context ? ACTIONS.filter((a) => CONTEXT_ACTIONS[context].includes(a)) : ACTIONS
  return candidates.find((action) => keys[action]?.includes(name)) ?? null
}

/** Where the overrides live: `${XDG_CONFIG_HOME:-$HOME/.config}/mar/keys.yaml`. */
export function keysFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config')
  return join(base, 'mar', 'keys.yaml')
}

const copy = (keys: KeyMap): KeyMap => Object.fromEntries(ACTIONS.map((a) => [a, [...keys[a]]])) as KeyMap

/**
 * The key map: the defaults with the file's overrides (`restart: x` or `restart: [x, ctrl+r]`; an
 * override replaces the action's keys). Never throws: an unreadable or malformed file, an unknown
 * action, a key that names nothing, or one key for two actions of a pane give one line of warning.
 * An overridden key wins over another action's default (which loses it); between two overrides the
 * earlier action in ACTIONS keeps it.
 */
export function loadKeyMap(env: NodeJS.ProcessEnv = process.env): {keys: KeyMap; warning: string | null} {
  const path = keysFilePath(env)
  let text: string
  try {
    text = readKeysFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {keys: copy(DEFAULT_KEYS), warning: null}
    return {keys: copy(DEFAULT_KEYS), warning: `${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); using the default keys`}
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (error) {
    const first = String((error as Error).message).split('\n')[0]
    return {keys: copy(DEFAULT_KEYS), warning: `${path}: not YAML (${first}); using the default keys`}
  }
  if (doc === null || doc === undefined) return {keys: copy(DEFAULT_KEYS), warning: null}
  if (typeof doc !== 'object' || Array.isArray(doc)) return {keys: copy(DEFAULT_KEYS), warning: `${path}: expected a mapping of action: key; using the default keys`}
  const {keys, problems} = applyOverrides(doc as Record<string, unknown>)
  return {keys, warning: problems.length ? `${path}: ${problems.join('; ')}` : null}
}

/** A key map is a few lines: a FIFO, a device or a huge file is refused, never waited on or read whole. */
const KEYS_FILE_MAX = 64 * 1024

function readKeysFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new Error('not a regular file')
    if (stat.size > KEYS_FILE_MAX) throw new Error(`${stat.size} bytes; a key map is at most ${KEYS_FILE_MAX}`)
    return readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
}

/** The defaults with these overrides, and what was wrong with them (pure: the file's part of loadKeyMap). */
export function applyOverrides(overrides: Record<string, unknown>): {keys: KeyMap; problems: string[]} {
  const keys = copy(DEFAULT_KEYS)
  const problems: string[] = []
  const overridden = new Set<Action>()
  for (const [name, value] of Object.entries(overrides)) {
    if (!(ACTIONS as readonly string[]).includes(name)) {
      problems.push(`unknown action ${JSON.stringify(name)} (ignored)`)
      continue
    }
    const action = name as Action
    const written = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null
    if (!written || written.length === 0) {
      problems.push(`${action}: expected a key or a list of keys (kept ${DEFAULT_KEYS[action].join(', ')})`)
      continue
    }
    const normalized = written.map((w) => [w, normalizeKey(w)] as const)
    const bad = normalized.filter(([, n]) => n === null).map(([w]) => JSON.stringify(w))
    if (bad.length) {
      problems.push(`${action}: ${bad.join(', ')} names no key (kept ${DEFAULT_KEYS[action].join(', ')})`)
      continue
    }
    keys[action] = [...new Set(normalized.map(([, n]) => n!))]
    overridden.add(action)
  }
  // One key, two actions of one pane: the override beats a default; between overrides, the earlier action.
  for (const context of Object.keys(CONTEXT_ACTIONS) as KeyContext[]) {
    const actions = ACTIONS.filter((a) => CONTEXT_ACTIONS[context].includes(a))
    for (const winner of actions.filter((a) => overridden.has(a))) {
      for (const key of keys[winner]) {
        for (const other of actions) {
          if (other === winner || !keys[other].includes(key)) continue
          if (overridden.has(other) && ACTIONS.indexOf(other) < ACTIONS.indexOf(winner)) continue
          keys[other] = keys[other].filter((k) => k !== key)
          problems.push(`${JSON.stringify(key)} is bound to both ${winner} and ${other} (${winner} keeps it)`)
        }
      }
    }
  }
  return {keys, problems: [...new Set(problems)]}
}

/**
 * One read from the terminal as the key presses in it. ink hands over a run
 * of plain characters as one input (keys typed faster than frames, a paste):
 * each character is its own press here, with Return, Tab and Backspace
 * recognised again, so `j\r` is a move then Return, not an unknown key.
 * A mouse report is no key press at all (mouse.ts): nothing.
 */
export function splitKeys(input: string, key: Key): Array<[string, Key]> {
  if (isMouseReport(input)) return []
  if ([...input].length <= 1 || key.ctrl || key.meta) return [[input, key]]
  const plain: Key = {...key, return: false, tab: false, backspace: false, delete: false, escape: false, shift: false}
  return [...input].map((char): [string, Key] => {
    if (char === '\r' || char === '\n') return ['', {...plain, return: true}]
    if (char === '\t') return ['', {...plain, tab: true}]
    if (char === '\x7f' || char === '\b') return ['', {...plain, backspace: true}]
    return [char, {...plain, shift: char !== char.toLowerCase()}]
  })
}
