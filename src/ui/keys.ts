// STAND-IN for T2's keys.ts (the default keymap and user overrides): only
// what the core needs to compile and test. The lead takes T2's version at merge.
import type {Key} from 'ink'

export type Action = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'nextPane' | 'filter' | 'restart' | 'stop' | 'start' | 'signal' | 'reload' | 'scaleUp' | 'scaleDown' | 'follow' | 'wrap' | 'timestamps' | 'stderrOnly' | 'fullScreen' | 'search' | 'nextMatch' | 'graph' | 'details' | 'help' | 'quit' | 'sort' | 'sortReverse'
export type KeyMap = Record<Action, string[]>

export const DEFAULT_KEYS: KeyMap = {
  up: ['up', 'k'],
  down: ['down', 'j'],
  pageUp: ['pageup'],
  pageDown: ['pagedown'],
  top: ['home'],
  bottom: ['end', 'G'],
  nextPane: ['tab'],
  filter: ['/'],
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
  graph: ['g'],
  details: ['d'],
  help: ['?'],
  quit: ['q'],
  sort: ['o'],
  sortReverse: ['O'],
}

export function loadKeyMap(): {keys: KeyMap; warning: string | null} {
  return {keys: DEFAULT_KEYS, warning: null}
}

function nameOf(input: string, key: Key): string {
  if (key.upArrow) return 'up'
  if (key.downArrow) return 'down'
  if (key.pageUp) return 'pageup'
  if (key.pageDown) return 'pagedown'
  if (key.home) return 'home'
  if (key.end) return 'end'
  if (key.tab) return 'tab'
  if (key.return) return 'return'
  if (key.escape) return 'escape'
  return input
}

export function actionOf(keys: KeyMap, input: string, key: Key): Action | null {
  const name = nameOf(input, key)
  for (const [action, names] of Object.entries(keys) as Array<[Action, string[]]>) if (names.includes(name)) return action
  return null
}
