import {execFileSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Key} from 'ink'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {ACTION_HELP, ACTIONS, CONTEXT_ACTIONS, DEFAULT_KEYS, actionOf, keyName, keysFilePath, loadKeyMap, splitKeys, type KeyContext} from '../../../src/ui/keys.js'

const noKey: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
}
const press = (input: string, key: Partial<Key> = {}): [string, Key] => [input, {...noKey, ...key}]

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mar-keys-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

function withFile(text: string): NodeJS.ProcessEnv {
  mkdirSync(join(dir, 'mar'), {recursive: true})
  writeFileSync(join(dir, 'mar', 'keys.yaml'), text)
  return {XDG_CONFIG_HOME: dir, HOME: '/nonexistent'}
}

describe('default keys', () => {
  it('bind every action of the issue', () => {
    for (const action of ACTIONS) expect(DEFAULT_KEYS[action].length, action).toBeGreaterThan(0)
    for (const action of ACTIONS) expect(ACTION_HELP[action], action).toBeTruthy()
    const expected: Record<string, string> = {
      k: 'up', j: 'down', tab: 'nextPane', '/': 'filter', r: 'restart', s: 'stop', S: 'start', K: 'signal', R: 'reload', '+': 'scaleUp', '-': 'scaleDown',
      f: 'follow', w: 'wrap', g: 'graph', d: 'details', '?': 'help', q: 'quit', pageup: 'pageUp', pagedown: 'pageDown', t: 'timestamps', e: 'stderrOnly',
      F: 'fullScreen', n: 'nextMatch', N: 'prevMatch', o: 'sort', O: 'sortReverse', up: 'up', down: 'down',
    }
    for (const [key, action] of Object.entries(expected)) expect(DEFAULT_KEYS[action as keyof typeof DEFAULT_KEYS], key).toContain(key)
  })

  it('have no key meaning two actions in one pane', () => {
    for (const context of Object.keys(CONTEXT_ACTIONS) as KeyContext[]) {
      const seen = new Map<string, string>()
      for (const action of CONTEXT_ACTIONS[context]) {
        for (const key of DEFAULT_KEYS[action]) {
          expect(seen.get(key), `${context}: ${key}`).toBeUndefined()
          seen.set(key, action)
        }
      }
    }
  })

  it('map what ink gives to actions, per pane', () => {
    expect(actionOf(DEFAULT_KEYS, ...press('', {upArrow: true}))).toBe('up')
    expect(actionOf(DEFAULT_KEYS, ...press('k'))).toBe('up')
    expect(actionOf(DEFAULT_KEYS, ...press('S', {shift: true}))).toBe('start')
    expect(actionOf(DEFAULT_KEYS, ...press('s'))).toBe('stop')
    expect(actionOf(DEFAULT_KEYS, ...press('', {pageDown: true}))).toBe('pageDown')
    expect(actionOf(DEFAULT_KEYS, ...press('\t', {tab: true}))).toBe('nextPane')
    expect(actionOf(DEFAULT_KEYS, ...press('g'), 'table')).toBe('graph')
    expect(actionOf(DEFAULT_KEYS, ...press('g'), 'logs')).toBe('top')
    expect(actionOf(DEFAULT_KEYS, ...press('/'), 'table')).toBe('filter')
    expect(actionOf(DEFAULT_KEYS, ...press('/'), 'logs')).toBe('search')
    expect(actionOf(DEFAULT_KEYS, ...press('r'), 'logs')).toBeNull()
    expect(actionOf(DEFAULT_KEYS, ...press('x'))).toBeNull()
    expect(actionOf(DEFAULT_KEYS, ...press('paste of many'))).toBeNull()
    expect(keyName('r', {...noKey, ctrl: true})).toBe('ctrl+r')
    expect(keyName(' ', noKey)).toBe('space')
    expect(keyName('', {...noKey, escape: true, meta: true})).toBe('escape')
  })
})

describe('keys.yaml', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(keysFilePath({XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/u'})).toBe('/x/cfg/mar/keys.yaml')
    expect(keysFilePath({HOME: '/home/u'})).toBe('/home/u/.config/mar/keys.yaml')
    expect(keysFilePath({XDG_CONFIG_HOME: 'relative', HOME: '/home/u'})).toBe('/home/u/.config/mar/keys.yaml')
  })

  it('absent: the defaults, no warning', () => {
    expect(loadKeyMap({XDG_CONFIG_HOME: dir})).toEqual({keys: DEFAULT_KEYS, warning: null})
  })

  it('overrides an action with one key or a list', () => {
    const {keys, warning} = loadKeyMap(withFile('restart: x\nquit: [Q, ctrl+d]\nhelp: H\n'))
    expect(warning).toBeNull()
    expect(keys.restart).toEqual(['x'])
    expect(keys.quit).toEqual(['Q', 'ctrl+d'])
    expect(keys.help).toEqual(['H'])
    expect(keys.stop).toEqual(['s'])
    expect(actionOf(keys, ...press('x'))).toBe('restart')
    expect(actionOf(keys, ...press('r'))).toBeNull()
    expect(actionOf(keys, ...press('d', {ctrl: true}))).toBe('quit')
  })

  it('an empty file is the defaults', () => {
    expect(loadKeyMap(withFile(''))).toEqual({keys: DEFAULT_KEYS, warning: null})
  })

  it('an unknown action or a key that names nothing is a one-line warning; the rest applies', () => {
    const {keys, warning} = loadKeyMap(withFile('restrat: x\nstop: [x, "not a key"]\nhelp: H\n'))
    expect(warning).toMatch(/keys\.yaml: unknown action "restrat".*stop: "not a key" names no key/)
    expect(warning).not.toContain('\n')
    expect(keys.stop).toEqual(DEFAULT_KEYS.stop)
    expect(keys.help).toEqual(['H'])
  })

  it('a bad file is a one-line warning and the defaults, never a throw', () => {
    for (const text of ['restart: [x\n  - : :', '- a list\n- not a map\n', 'just words', '{restart: {a: 1}}']) {
      const {keys, warning} = loadKeyMap(withFile(text))
      expect(warning, text).toMatch(/keys\.yaml/)
      expect(warning).not.toContain('\n')
      expect(keys.restart, text).toEqual(DEFAULT_KEYS.restart)
    }
  })

  it('an unreadable file is a warning', () => {
    if (process.getuid?.() === 0) return // root reads anything
    const env = withFile('restart: x\n')
    chmodSync(join(dir, 'mar', 'keys.yaml'), 0o000)
    const {keys, warning} = loadKeyMap(env)
    expect(warning).toMatch(/cannot read it/)
    expect(keys).toEqual(DEFAULT_KEYS)
  })

  it('one key for two actions of a pane is a warning; the override takes it from the default', () => {
    const {keys, warning} = loadKeyMap(withFile('restart: s\n'))
    expect(warning).toMatch(/"s" is bound to both restart and stop \(restart keeps it\)/)
    expect(keys.restart).toEqual(['s'])
    expect(keys.stop).toEqual([])
    expect(actionOf(keys, ...press('s'))).toBe('restart')
  })

  it('between two overrides, the earlier action keeps the key', () => {
    const {keys, warning} = loadKeyMap(withFile('stop: x\nrestart: x\n'))
    expect(warning).toMatch(/"x" is bound to both restart and stop/)
    expect(keys.restart).toEqual(['x'])
    expect(keys.stop).toEqual([])
  })

  it('the same key in two panes is no conflict', () => {
    const {keys, warning} = loadKeyMap(withFile('search: x\nrestart: x\n'))
    expect(warning).toBeNull()
    expect(actionOf(keys, ...press('x'), 'logs')).toBe('search')
    expect(actionOf(keys, ...press('x'), 'table')).toBe('restart')
  })
})

describe('a keys.yaml that is not a small file', () => {
  it('a FIFO, a directory and a huge file are refused with a warning, never waited on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mar-keys-'))
    try {
      mkdirSync(join(dir, 'mar'))
      const file = join(dir, 'mar', 'keys.yaml')
      execFileSync('mkfifo', [file])
      expect(loadKeyMap({XDG_CONFIG_HOME: dir})).toEqual({keys: DEFAULT_KEYS, warning: expect.stringContaining('not a regular file')})
      rmSync(file)
      mkdirSync(file)
      expect(loadKeyMap({XDG_CONFIG_HOME: dir}).warning).toMatch(/not a regular file|EISDIR/)
      rmSync(file, {recursive: true})
      writeFileSync(file, `# ${'x'.repeat(70 * 1024)}\n`)
      expect(loadKeyMap({XDG_CONFIG_HOME: dir}).warning).toMatch(/a key map is at most 65536/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

})

describe('splitKeys', () => {
  const none = {upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false} as Key
  it('a run of characters in one read is one press each, Return, Tab and Backspace recognised again', () => {
    const presses = splitKeys('jK\r\t\x7f', none)
    expect(presses.map(([input]) => input)).toEqual(['j', 'K', '', '', ''])
    expect(presses.map(([, k]) => (k.return ? 'return' : k.tab ? 'tab' : k.backspace ? 'backspace' : k.shift ? 'shift' : '-'))).toEqual(['-', 'shift', 'return', 'tab', 'backspace'])
    expect(actionOf(DEFAULT_KEYS, ...presses[0]!, 'table')).toBe('down')
  })
  it('one key, or a key with ctrl or meta, stays as it came', () => {
    expect(splitKeys('q', none)).toEqual([['q', none]])
    expect(splitKeys('', {...none, upArrow: true})).toEqual([['', {...none, upArrow: true}]])
    expect(splitKeys('ab', {...none, meta: true})).toEqual([['ab', {...none, meta: true}]])
  })
})

