// Quoting for systemd, checked against systemd itself: hostile arguments and
// environment values go into a unit, systemd loads it, and what it
// understood must be exactly what we meant.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {escapeUnitNamePart, execLine, quoteEnvAssignment, quoteExecArg, timespan} from '../../../src/systemd/unit-syntax.js'
import {canDump, dumpUnit, execTimeArgv, hasAnalyze, parseCommandLine, problemsAbout, verify} from './systemd-tools.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

function unitDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mar-sd-syntax-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const HOSTILE_ARGS = [
  'plain',
  'with space',
  '',
  'double "quoted"',
  "single 'quoted'",
  `both ' and "`,
  '100% %n %h %%',
  '$HOME ${PATH} $$ $',
  'back\\slash \\n not a newline',
  'trailing backslash\\',
  'tab\there',
  'line\nbreak',
  ';',
  '\\;',
  'ünïcødé ✓',
  '-leading-dash',
  '@at',
  '#not-a-comment',
]

describe('quoteExecArg / execLine', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(quoteExecArg('--port=3000')).toBe('--port=3000')
    expect(quoteExecArg('a b')).toBe('"a b"')
    expect(quoteExecArg('say "hi"')).toBe(`'say "hi"'`)
    expect(quoteExecArg('')).toBe('""')
    expect(quoteExecArg('50%')).toBe('"50%%"')
    expect(quoteExecArg('$HOME')).toBe('"$$HOME"')
    expect(quoteExecArg('a\\b')).toBe('"a\\\\b"')
  })

  it('refuses a program name systemd would read as a prefix', () => {
    expect(() => execLine(['-rm', 'x'])).toThrow(/prefix/)
    expect(() => execLine([])).toThrow(/empty/)
  })

  it.skipIf(!canDump)('round-trips hostile argv and environment values through systemd', () => {
    const env: Record<string, string> = {
      SPACED: 'a b  c',
      QUOTES: `it's "quoted"`,
      PERCENT: '100% %n',
      DOLLAR: '$HOME ${X} $$',
      BACKSLASH: 'C:\\path\\',
      EMPTY: '',
      UNICODE: 'ünï ✓',
    }
    const unit = [
      '[Service]',
      `ExecStart=${execLine(['/bin/echo', ...HOSTILE_ARGS])}`,
      ...Object.entries(env).map(([k, v]) => `Environment=${quoteEnvAssignment(k, v)}`),
      '',
    ].join('\n')
    const dir = unitDir({'hostile.service': unit})
    const dumped = dumpUnit(dir, 'hostile.service')
    const [start] = dumped.commands.get('ExecStart') ?? []
    expect(execTimeArgv(start!.argv)).toEqual(['/bin/echo', ...HOSTILE_ARGS])
    expect(dumped.props.get('Environment')).toEqual(Object.entries(env).map(([k, v]) => `${k}=${v}`))
    if (hasAnalyze) {
      const result = verify([join(dir, 'hostile.service')])
      expect(problemsAbout(result, [join(dir, 'hostile.service')])).toEqual([])
    }
  })
})

describe('parseCommandLine (the test oracle itself)', () => {
  it('reads systemd dump quoting', () => {
    expect(parseCommandLine('/bin/echo "a b" "\\$\\$X" "t\\tx" "\\001" ";" "" ü')).toEqual(['/bin/echo', 'a b', '$$X', 't\tx', '\x01', ';', '', 'ü'])
  })
})

describe('other syntax', () => {
  it('time spans systemd reads back exactly', () => {
    expect(timespan(90_000)).toBe('90s')
    expect(timespan(250)).toBe('250ms')
    expect(timespan(0)).toBe('0s')
  })

  it('unit name parts: mar names pass unchanged, anything else is escaped like systemd-escape', () => {
    expect(escapeUnitNamePart('web.1')).toBe('web.1')
    expect(escapeUnitNamePart('my_stack-2')).toBe('my_stack-2')
    expect(escapeUnitNamePart('a/b c')).toBe('a\\x2fb\\x20c')
    expect(escapeUnitNamePart('.hidden')).toBe('\\x2ehidden')
    expect(escapeUnitNamePart('é')).toBe('\\xc3\\xa9')
  })

  it('environment assignments: $ is literal, % doubled, quotes when needed', () => {
    expect(quoteEnvAssignment('A', 'b')).toBe('A=b')
    expect(quoteEnvAssignment('A', '$x')).toBe('"A=$x"')
    expect(quoteEnvAssignment('A', '5%')).toBe('"A=5%%"')
  })
})
