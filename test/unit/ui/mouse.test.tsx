// The mouse's pieces without the app: the SGR report parser, what ink hands
// over for a report (pinned, so an ink upgrade that changes it is seen), and
// where on the screen a report lands (app-mouse.ts).
import {Text, useInput} from 'ink'
import {render} from 'ink-testing-library'
import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {handleMouse, spotAt, WHEEL_ROWS, type MouseContext, type ScreenLayout} from '../../../src/ui/app-mouse.js'
import {splitKeys} from '../../../src/ui/keys.js'
import {isMouseReport, legacyMouseToSgr, MOUSE_OFF, MOUSE_ON, parseMouse} from '../../../src/ui/mouse.js'
import {waitFor} from '../../helpers/wait.js'

const noKey = {upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false}

let unmount: (() => void) | null = null
afterEach(() => {
  unmount?.()
  unmount = null
})

describe('parseMouse', () => {
  it('reads SGR presses with 0-based column and row, with or without the ESC useInput strips', () => {
    expect(parseMouse('\x1b[<0;12;5M')).toEqual({kind: 'press', button: 'left', column: 11, row: 4})
    expect(parseMouse('[<0;12;5M')).toEqual({kind: 'press', button: 'left', column: 11, row: 4})
    expect(parseMouse('[<1;1;1M')).toEqual({kind: 'press', button: 'middle', column: 0, row: 0})
    expect(parseMouse('[<2;300;90M')).toEqual({kind: 'press', button: 'right', column: 299, row: 89})
    // Shift, meta, ctrl held: still the same click.
    expect(parseMouse('[<16;3;4M')).toEqual({kind: 'press', button: 'left', column: 2, row: 3})
  })

  it('reads the wheel (64 up, 65 down), with modifiers too', () => {
    expect(parseMouse('[<64;3;4M')).toEqual({kind: 'wheel', direction: 'up', column: 2, row: 3})
    expect(parseMouse('[<65;3;4M')).toEqual({kind: 'wheel', direction: 'down', column: 2, row: 3})
    expect(parseMouse('[<69;3;4M')).toEqual({kind: 'wheel', direction: 'down', column: 2, row: 3})
  })

  it('recognises releases, drags, sideways wheels and extra buttons as reports that do nothing', () => {
    for (const report of ['[<0;12;5m', '[<32;12;5M', '[<35;12;5M', '[<66;12;5M', '[<67;12;5M', '[<128;1;1M', '[<3;1;1M', '[<0;0;0M']) {
      expect(parseMouse(report)?.kind, report).toBe('other')
      expect(isMouseReport(report)).toBe(true)
    }
  })

  it('is null for keys and anything else', () => {
    for (const input of ['q', '[', '<', '[A', '\x1b[A', '[<0;12M', '[<0;12;5', '[<a;1;1M', '[<0;1;1MX', 'x[<0;1;1M', '\x1b[M !!', '']) {
      expect(parseMouse(input), JSON.stringify(input)).toBeNull()
      expect(isMouseReport(input)).toBe(false)
    }
  })

  it('turns on button and wheel reports in SGR encoding, and off again', () => {
    expect(MOUSE_ON).toBe('\x1b[?1000h\x1b[?1006h')
    expect(MOUSE_OFF).toBe('\x1b[?1006l\x1b[?1000l')
  })

  it('splitKeys makes no key of a report', () => {
    expect(splitKeys('[<0;12;5M', noKey)).toEqual([])
    expect(splitKeys('jk', noKey).map(([c]) => c)).toEqual(['j', 'k'])
  })
})

describe('legacy (X10) reports, from a terminal without SGR encoding', () => {
  // ESC [ M, then button, column and row, each plus 32 (column and row 1-based).
  const x10 = (button: number, column: number, row: number) => `\x1b[M${String.fromCodePoint(button + 32, column + 32, row + 32)}`

  it('become SGR reports: a click at column 82 is a click, not the key r', () => {
    const translate = legacyMouseToSgr()
    expect(x10(0, 82, 5)).toBe('\x1b[M r%')
    expect(translate(x10(0, 82, 5))).toBe('\x1b[<0;82;5M')
    expect(parseMouse(translate(x10(0, 82, 5)))).toEqual({kind: 'press', button: 'left', column: 81, row: 4})
    expect(parseMouse(translate(x10(65, 3, 4)))).toEqual({kind: 'wheel', direction: 'down', column: 2, row: 3})
    // X10's release (button 3, which one unsaid): a release, acted on by nobody.
    expect(translate(x10(3, 82, 5))).toBe('\x1b[<0;82;5m')
    expect(parseMouse(translate(x10(3, 82, 5)))?.kind).toBe('other')
  })

  it('keeps the keys around a report, and several reports in one read', () => {
    const translate = legacyMouseToSgr()
    expect(translate(`j${x10(0, 10, 3)}k${x10(64, 1, 1)}`)).toBe('j\x1b[<0;10;3Mk\x1b[<64;1;1M')
    expect(translate('plain keys: r s q')).toBe('plain keys: r s q')
  })

  it('carries a report split across reads', () => {
    const translate = legacyMouseToSgr()
    const report = x10(0, 82, 5)
    expect(translate(`x${report.slice(0, 4)}`)).toBe('x')
    expect(translate(report.slice(4, 5))).toBe('')
    expect(translate(`${report.slice(5)}q`)).toBe('\x1b[<0;82;5Mq')
  })

  it('a position past 95 (a byte no UTF-8 decoder keeps) is a report at 0;0 that nothing acts on', () => {
    const translate = legacyMouseToSgr()
    const out = translate('\x1b[M \uFFFD%r')
    expect(out).toBe('\x1b[<0;0;0Mr')
    expect(parseMouse(out.slice(0, -1))?.kind).toBe('other')
  })
})

describe('what ink hands useInput for a mouse report', () => {
  function Recorder(props: {got: Array<[string, boolean]>}) {
    useInput((input, key) => void props.got.push([input, key.meta || key.ctrl || key.escape]))
    return <Text>recording</Text>
  }

  it('one input per report, ESC stripped, no key flag — also several reports in one read', async () => {
    const got: Array<[string, boolean]> = []
    const r = render(<Recorder got={got} />)
    unmount = r.unmount
    r.stdin.write('\x1b[<0;12;5M')
    await waitFor('the press', () => got.length >= 1, 2000)
    r.stdin.write('\x1b[<64;3;4M\x1b[<65;3;4M')
    await waitFor('two wheel reports', () => got.length >= 3, 2000)
    r.stdin.write('\x1b[<0;12;5m')
    await waitFor('the release', () => got.length >= 4, 2000)
    expect(got).toEqual([
      ['[<0;12;5M', false],
      ['[<64;3;4M', false],
      ['[<65;3;4M', false],
      ['[<0;12;5m', false],
    ])
    expect(got.map(([input]) => parseMouse(input)?.kind)).toEqual(['press', 'wheel', 'wheel', 'other'])
  })
})

describe('where a report lands (spotAt) and what it does (handleMouse)', () => {
  // Header line (row 0), the table 1–10 (its column header on 1, lines from 2), the logs' title 11, the pane 12–17.
  const layout: ScreenLayout = {tableHeight: 10, firstLine: 20, lineCount: 25, logHeight: 6}

  it('maps rows to table lines (from the window start), the log pane with its title line, and nothing', () => {
    expect(spotAt(0, layout)).toBeNull()
    expect(spotAt(1, layout)).toEqual({area: 'table', line: null})
    expect(spotAt(2, layout)).toEqual({area: 'table', line: 20})
    expect(spotAt(6, layout)).toEqual({area: 'table', line: 24})
    // Below the last line, still the table.
    expect(spotAt(7, layout)).toEqual({area: 'table', line: null})
    expect(spotAt(10, layout)).toEqual({area: 'table', line: null})
    expect(spotAt(11, layout)).toEqual({area: 'logs'})
    expect(spotAt(17, layout)).toEqual({area: 'logs'})
    expect(spotAt(18, layout)).toBeNull()
    // Logs full screen: no table and no title line; the pane starts under the header.
    const full: ScreenLayout = {tableHeight: 0, firstLine: 0, lineCount: 25, logHeight: 6}
    expect(spotAt(1, full)).toEqual({area: 'logs'})
    expect(spotAt(6, full)).toEqual({area: 'logs'})
    expect(spotAt(7, full)).toBeNull()
  })

  function context(view: MouseContext['view'] = 'main') {
    const did: string[] = []
    const ctx: MouseContext = {
      view,
      layout,
      moveTo: (i) => did.push(`moveTo ${i}`),
      moveBy: (n) => did.push(`moveBy ${n}`),
      focus: (pane) => did.push(`focus ${pane}`),
      scrollLogs: (n) => did.push(`scrollLogs ${n}`),
    }
    return {ctx, did}
  }

  it('a left click on a table line focuses the table and selects it; on the log pane focuses it; elsewhere nothing', () => {
    const {ctx, did} = context()
    handleMouse(ctx, {kind: 'press', button: 'left', column: 5, row: 3})
    handleMouse(ctx, {kind: 'press', button: 'left', column: 5, row: 14})
    handleMouse(ctx, {kind: 'press', button: 'left', column: 5, row: 1})
    handleMouse(ctx, {kind: 'press', button: 'left', column: 5, row: 0})
    handleMouse(ctx, {kind: 'press', button: 'left', column: 5, row: 19})
    handleMouse(ctx, {kind: 'press', button: 'right', column: 5, row: 3})
    handleMouse(ctx, {kind: 'other', column: 5, row: 3})
    expect(did).toEqual(['focus table', 'moveTo 21', 'focus logs'])
  })

  it('the wheel moves the table selection or scrolls the log pane, by WHEEL_ROWS', () => {
    const {ctx, did} = context()
    handleMouse(ctx, {kind: 'wheel', direction: 'down', column: 0, row: 5})
    handleMouse(ctx, {kind: 'wheel', direction: 'up', column: 0, row: 1})
    handleMouse(ctx, {kind: 'wheel', direction: 'up', column: 0, row: 12})
    handleMouse(ctx, {kind: 'wheel', direction: 'down', column: 0, row: 12})
    handleMouse(ctx, {kind: 'wheel', direction: 'down', column: 0, row: 0})
    expect(WHEEL_ROWS).toBe(3)
    expect(did).toEqual(['moveBy 3', 'moveBy -3', 'scrollLogs 3', 'scrollLogs -3'])
  })

  it('does nothing outside the main screen (the views and the signal picker take keys only)', () => {
    for (const view of ['details', 'graph', 'help', 'signal', 'reload'] as const) {
      const {ctx, did} = context(view)
      handleMouse(ctx, {kind: 'press', button: 'left', column: 5, row: 3})
      handleMouse(ctx, {kind: 'wheel', direction: 'down', column: 5, row: 3})
      expect(did, view).toEqual([])
    }
  })
})
