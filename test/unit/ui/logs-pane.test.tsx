import {render} from 'ink-testing-library'
import React, {useState} from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {STDERR_MARK as CLI_STDERR_MARK} from '../../../src/cli/logs.js'
import {DEFAULT_KEYS} from '../../../src/ui/keys.js'
import {FLUSH_MS, INITIAL_LINES, LogsPane, STDERR_MARK, cleanLine, type LogsPaneProps} from '../../../src/ui/logs-pane.js'
import {FakeLogSource, recordedLine} from '../../helpers/fake-log-source.js'
import {waitFor} from '../../helpers/wait.js'

// eslint-disable-next-line no-control-regex
const plain = (s: string | undefined) => (s ?? '').replace(/\x1b\[[0-9;]*m/g, '')
/** The frame's rows, less the blank ones the pane's fixed height pads it with. */
const rowsOf = (frame: string | undefined) => {
  const rows = plain(frame).split('\n')
  while (rows.length > 1 && rows.at(-1)!.trim() === '') rows.pop()
  return rows
}

type Toggles = LogsPaneProps['toggles']
const UP = '\x1b[A'
const ENTER = '\r'

/** The app's part: it owns the toggles and flips what the pane asks for. */
function Harness(props: {source: FakeLogSource; selection?: LogsPaneProps['selection']; width?: number; height?: number; color?: boolean; initial?: Partial<Toggles>; asked?: string[]}) {
  const [toggles, setToggles] = useState<Toggles>({follow: true, wrap: false, timestamps: false, stderrOnly: false, ...props.initial})
  return (
    <LogsPane
      source={props.source}
      selection={props.selection ?? {stack: 'app', targets: []}}
      width={props.width ?? 60}
      height={props.height ?? 8}
      focused
      keys={DEFAULT_KEYS}
      color={props.color ?? false}
      toggles={toggles}
      onToggle={(name) => {
        props.asked?.push(name)
        setToggles((t) => ({...t, [name]: !t[name]}))
      }}
    />
  )
}

let unmount: (() => void) | null = null
afterEach(() => {
  unmount?.()
  unmount = null
})
function show(element: React.ReactElement) {
  const r = render(element)
  unmount = r.unmount
  return r
}
const lines = (from: number, to: number, text = (n: number) => `line ${n}`) => Array.from({length: to - from}, (_, i) => recordedLine(from + i, text(from + i)))

describe('LogsPane', () => {
  it('marks stderr as mar logs does', () => {
    expect(STDERR_MARK).toBe(CLI_STDERR_MARK)
  })

  it('follows: the last lines, then every new one at the bottom, with mar logs prefixes', async () => {
    const source = new FakeLogSource()
    source.record([recordedLine(1, 'booting'), recordedLine(2, 'oops', {stream: 'stderr'}), recordedLine(3, 'remote hello', {instance: 'web.2', host: 'h1'})])
    const r = show(<Harness source={source} />)
    await waitFor('the recorded lines', () => plain(r.lastFrame()).includes('remote hello'))
    expect(source.streams[0]!.params).toMatchObject({stack: {name: 'app'}, targets: [], follow: true, lines: INITIAL_LINES})
    const rows = rowsOf(r.lastFrame())
    expect(rows).toContain('web.1    | booting')
    expect(rows).toContain(`web.1    ${STDERR_MARK} oops`)
    expect(rows).toContain('web.2@h1 | remote hello')
    source.emit([recordedLine(4, 'just now')])
    await waitFor('the new line', () => rowsOf(r.lastFrame()).at(-1) === 'web.1    | just now')
  })

  it('every stack: names carry the stack', async () => {
    const source = new FakeLogSource()
    source.record([recordedLine(1, 'a', {stack: 'one'}), recordedLine(2, 'b', {stack: 'two', instance: 'db.1'})])
    const r = show(<Harness source={source} selection={{stack: null, targets: []}} />)
    await waitFor('both', () => rowsOf(r.lastFrame()).includes('two/db.1  | b'))
    expect(rowsOf(r.lastFrame())).toContain('one/web.1 | a')
    expect(source.streams[0]!.params.stack).toBeNull()
  })

  it('colors the prefix by runner and stderr mark in red when color is on', async () => {
    const source = new FakeLogSource()
    source.record([recordedLine(1, 'oops', {stream: 'stderr'})])
    const r = show(<Harness source={source} color />)
    await waitFor('the line', () => plain(r.lastFrame()).includes('oops'))
    expect(r.lastFrame()).toContain(`\x1b[31m${STDERR_MARK}`)
  })

  it('scrolling up leaves follow and keeps the view; new lines do not move it', async () => {
    const source = new FakeLogSource()
    source.record(lines(0, 100))
    const asked: string[] = []
    const r = show(<Harness source={source} asked={asked} height={6} />)
    await waitFor('the tail', () => rowsOf(r.lastFrame()).at(-1)?.endsWith('line 99'))
    r.stdin.write('k')
    r.stdin.write(UP)
    await waitFor('scrolled', () => rowsOf(r.lastFrame()).at(-1)?.endsWith('line 97'))
    expect(asked).toEqual(['follow'])
    expect(rowsOf(r.lastFrame())[0]).toMatch(/paused/)
    const framesBefore = r.frames.length
    source.emit(lines(100, 110))
    // The batch lands and the pane draws again (debug rendering writes every frame), in place.
    await waitFor('a redraw with the new lines', () => r.frames.length > framesBefore)
    expect(rowsOf(r.lastFrame()).at(-1)).toMatch(/line 97$/)
    // G: the newest line, following again.
    r.stdin.write('G')
    await waitFor('the bottom', () => rowsOf(r.lastFrame()).at(-1)?.endsWith('line 109'))
    expect(asked).toEqual(['follow', 'follow'])
    // f toggles follow through the app.
    r.stdin.write('f')
    await waitFor('paused', () => rowsOf(r.lastFrame())[0]!.includes('paused'))
  })

  it('scrolls back into stored history, a page at a time, down to the start', async () => {
    const source = new FakeLogSource()
    source.record(lines(0, INITIAL_LINES + 1500))
    const r = show(<Harness source={source} height={5} />)
    await waitFor('the tail', () => rowsOf(r.lastFrame()).at(-1)?.endsWith(`line ${INITIAL_LINES + 1499}`))
    r.stdin.write('g')
    // One page back, then at the top of it.
    await waitFor('an older page', () => rowsOf(r.lastFrame())[1] === 'web.1 | line 500')
    const older = source.streams[1]!.params
    expect(older).toMatchObject({follow: false, lines: 2 * INITIAL_LINES})
    expect(older.after).toBeUndefined()
    r.stdin.write('g')
    await waitFor('the oldest line', () => rowsOf(r.lastFrame())[1] === 'web.1 | line 0')
    await waitFor('the start', () => rowsOf(r.lastFrame())[0]!.includes('start of the stored logs'))
    // And down again a row at a time, then a page.
    r.stdin.write('j')
    await waitFor('down one', () => rowsOf(r.lastFrame())[1] === 'web.1 | line 1')
    r.stdin.write('\x1b[6~')
    await waitFor('down a page', () => rowsOf(r.lastFrame())[1] === 'web.1 | line 4')
  })

  it('searches with / and highlights matches; n goes to the older match, N back', async () => {
    const source = new FakeLogSource()
    source.record(lines(0, 60, (n) => (n === 10 || n === 40 ? `request failed: Timeout ${n}` : `ok ${n}`)))
    const r = show(<Harness source={source} height={5} color />)
    await waitFor('the tail', () => plain(r.lastFrame()).includes('ok 59'))
    r.stdin.write('/')
    for (const ch of 'timeout') r.stdin.write(ch)
    await waitFor('the prompt', () => plain(r.lastFrame()).includes('/timeout'))
    r.stdin.write(ENTER)
    await waitFor('the newest match', () => plain(r.lastFrame()).includes('Timeout 40'))
    // The current match in reverse video.
    expect(r.lastFrame()).toMatch(/\x1b\[7mTimeout\x1b\[(27|0)m 40/)
    expect(plain(r.lastFrame())).not.toContain('ok 59')
    r.stdin.write('n')
    await waitFor('the older match', () => plain(r.lastFrame()).includes('Timeout 10'))
    r.stdin.write('n')
    await waitFor('no more', () => plain(r.lastFrame()).includes('no older match'))
    r.stdin.write('N')
    await waitFor('back to the newer', () => plain(r.lastFrame()).includes('Timeout 40'))
  })

  it('several keys in one read (a search typed faster than frames, or pasted) are taken one by one', async () => {
    const source = new FakeLogSource()
    source.record(lines(0, 60, (n) => (n === 40 ? `request failed: Timeout ${n}` : `ok ${n}`)))
    const r = show(<Harness source={source} height={5} />)
    await waitFor('the tail', () => plain(r.lastFrame()).includes('ok 59'))
    // `/` opens the prompt, the rest is its text, the return runs it: all in one read.
    r.stdin.write('/timeout' + ENTER)
    await waitFor('the match', () => plain(r.lastFrame()).includes('Timeout 40'))
    expect(plain(r.lastFrame())).toContain('/timeout  n older, N newer')
  })

  it('wraps long lines to the width when wrap is on, and cuts them when off', async () => {
    const source = new FakeLogSource()
    source.record([recordedLine(1, 'x'.repeat(50) + 'END')])
    const r = show(<Harness source={source} width={30} height={6} />)
    await waitFor('one row', () => plain(r.lastFrame()).includes('xxx'))
    expect(plain(r.lastFrame())).not.toContain('END')
    r.stdin.write('w')
    await waitFor('wrapped', () => plain(r.lastFrame()).includes('END'))
    const rows = rowsOf(r.lastFrame()).slice(1)
    expect(rows.length).toBeGreaterThan(2)
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(30)
    expect(rows.join('').replace(/[^x]/g, '')).toHaveLength(50)
  })

  it('stderr only shows only stderr lines', async () => {
    const source = new FakeLogSource()
    source.record([recordedLine(1, 'fine'), recordedLine(2, 'bad', {stream: 'stderr'}), recordedLine(3, 'fine again')])
    const r = show(<Harness source={source} />)
    await waitFor('the lines', () => plain(r.lastFrame()).includes('fine again'))
    r.stdin.write('e')
    await waitFor('stderr only', () => !plain(r.lastFrame()).includes('fine again'))
    expect(rowsOf(r.lastFrame()).slice(1)).toEqual([`web.1 ${STDERR_MARK} bad`])
    expect(rowsOf(r.lastFrame())[0]).toContain('stderr only')
  })

  it('a new selection cancels the old stream and shows only the new one', async () => {
    const source = new FakeLogSource()
    source.record([recordedLine(1, 'from web', {instance: 'web.1'}), recordedLine(2, 'from db', {instance: 'db.1'})])
    const element = (targets: string[]) => <Harness source={source} selection={{stack: 'app', targets}} />
    const r = show(element(['web']))
    await waitFor('web', () => plain(r.lastFrame()).includes('from web'))
    expect(plain(r.lastFrame())).not.toContain('from db')
    r.rerender(element(['db']))
    await waitFor('db', () => plain(r.lastFrame()).includes('from db'))
    expect(plain(r.lastFrame())).not.toContain('from web')
    expect(source.streams[0]!.cancelled).toBe(true)
    expect(source.streams[1]!.params.targets).toEqual(['db'])
    expect(source.streams[1]!.cancelled).toBe(false)
  })

  it('a new selection with no lines shows an empty pane under its title at once, not the old selection’s lines', async () => {
    const source = new FakeLogSource()
    source.record([recordedLine(1, 'from web', {instance: 'web.1'})])
    const element = (targets: string[]) => <Harness source={source} selection={{stack: 'app', targets}} />
    const r = show(element(['web']))
    await waitFor('web', () => plain(r.lastFrame()).includes('from web'))
    r.rerender(element(['quiet']))
    await waitFor('the new title', () => plain(r.lastFrame()).includes('logs app quiet'))
    expect(source.streams[1]!.params.targets).toEqual(['quiet'])
    expect(rowsOf(r.lastFrame())).toEqual(['logs app quiet [follow]'])
  })

  it('5 000 lines at once render within the height, and a flood renders at most ~10 times a second', async () => {
    const source = new FakeLogSource()
    const r = show(<Harness source={source} height={10} width={40} />)
    await waitFor('subscribed', () => source.streams.length === 1 && rowsOf(r.lastFrame()).length === 1)
    source.emit(lines(0, 5000))
    await waitFor('the last line', () => rowsOf(r.lastFrame()).at(-1)?.endsWith('line 4999'))
    expect(rowsOf(r.lastFrame()).length).toBeLessThanOrEqual(10)
    // 5 000 lines a second for one second, in 10 ms bursts.
    const before = r.frames.length
    const started = Date.now()
    for (let burst = 0; burst < 100; burst++) {
      source.emit(lines(5000 + burst * 50, 5050 + burst * 50))
      await new Promise((resolve) => setTimeout(resolve, 10)) // the flood's pace, not a wait for a result
    }
    await waitFor('the flood shown', () => rowsOf(r.lastFrame()).at(-1)?.endsWith('line 9999'))
    const seconds = (Date.now() - started) / 1000
    const renders = r.frames.length - before
    expect(renders).toBeLessThanOrEqual(Math.ceil(seconds * (1000 / FLUSH_MS)) + 3)
    expect(rowsOf(r.lastFrame()).length).toBeLessThanOrEqual(10)
  })

  it('cleans escapes and control characters out of program output', () => {
    expect(cleanLine('\x1b[31mred\x1b[0m\ttab\x07')).toBe('red    tab\u00b7')
  })
})
