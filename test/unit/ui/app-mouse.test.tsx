// The mouse on the whole screen, with ink-testing-library: SGR reports
// written to stdin as a terminal would send them, against a fake API client.
import {render} from 'ink-testing-library'
import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {App, type UiApi} from '../../../src/ui/app.js'
import {DEFAULT_KEYS, type KeyMap} from '../../../src/ui/keys.js'
import {FakeApiClient, shopStatus} from '../../helpers/fake-api-client.js'
import {recordedLine} from '../../helpers/fake-log-source.js'
import {waitFor} from '../../helpers/wait.js'

/** A report as the terminal sends it: column and row 1-based. */
const click = (column: number, row: number) => `\x1b[<0;${column};${row}M\x1b[<0;${column};${row}m`
const wheel = (direction: 'up' | 'down', column: number, row: number) => `\x1b[<${direction === 'up' ? 64 : 65};${column};${row}M`

// At 130×30 (not compact): the header on screen row 1, the table's column header on 2, its lines from 3
// (shopStatus: 3 db, 4 postgres.1, 5 app, 6 web.1, 7 web.2@h1, 8 worker.1) to 15; the logs' title on 16, the pane 17–28.
const TABLE_ROW = (line: number) => 3 + line
const LOGS_ROW = 20

let unmount: (() => void) | null = null
afterEach(() => {
  unmount?.()
  unmount = null
})

function screen(options: {readOnly?: boolean; keys?: KeyMap; client?: FakeApiClient} = {}) {
  const client = options.client ?? new FakeApiClient(shopStatus())
  const exits: string[] = []
  const api: UiApi = {client: client as unknown as UiApi['client'], stack: 'shop', readOnly: options.readOnly ?? false, detachOnReady: false}
  const r = render(<App api={api} color={false} keys={options.keys} onExit={(reason) => exits.push(reason)} width={130} height={30} renderMs={5} />)
  unmount = r.unmount
  const frame = () => r.lastFrame() ?? ''
  const shows = (test: string | RegExp | ((frame: string) => boolean), what = String(test)) =>
    waitFor(`the screen to show ${what}`, () => (typeof test === 'string' ? frame().includes(test) : typeof test === 'function' ? test(frame()) : test.test(frame())), 3000).catch((error: Error) => {
      throw new Error(`${error.message}; it shows:\n${frame()}`)
    })
  /** The name on the row marked selected (›). */
  const selected = () => /›\s*[^\w\s]?(\S+)/.exec(frame().split('\n').find((l) => l.includes('›')) ?? '')?.[1] ?? null
  const send = (data: string) => r.stdin.write(data)
  return {client, exits, frame, shows, selected, send}
}

describe('mar ui, the mouse', () => {
  it('a click on a table row selects it (the log pane follows it); a click on the column header or the header line does nothing', async () => {
    const s = screen()
    await s.shows('worker.1')
    expect(s.selected()).toBe('db')
    s.send(click(10, TABLE_ROW(3)))
    await waitFor('web.1 selected', () => s.selected() === 'web.1', 3000)
    await s.shows('logs: web.1')
    s.send(click(40, TABLE_ROW(5)))
    await waitFor('worker.1 selected', () => s.selected() === 'worker.1', 3000)
    s.send(click(10, 2))
    s.send(click(10, 1))
    s.send(click(10, 29))
    // Something that certainly renders, then the selection is where it was.
    s.send('o')
    await s.shows('sort: host')
    expect(s.selected()).toBe('worker.1')
  })

  it('a click then r in one read restarts the clicked row', async () => {
    const s = screen()
    await s.shows('worker.1')
    s.send(click(10, TABLE_ROW(4)) + 'r')
    await s.shows('restarted web.2')
    expect(s.client.callsOf('restart')).toEqual([{stack: {name: 'shop'}, targets: ['web.2']}])
  })

  it('the wheel over the table moves the selection by 3 rows; two notches in one read are two', async () => {
    const s = screen()
    await s.shows('worker.1')
    s.send(wheel('down', 10, TABLE_ROW(0)))
    await waitFor('web.1 selected', () => s.selected() === 'web.1', 3000)
    s.send(wheel('up', 10, TABLE_ROW(1)))
    await waitFor('db selected', () => s.selected() === 'db', 3000)
    s.send(wheel('down', 10, TABLE_ROW(1)) + wheel('down', 10, TABLE_ROW(1)))
    // 0 + 3 + 3, held at the last line.
    await waitFor('worker.1 selected', () => s.selected() === 'worker.1', 3000)
  })

  it('a click on the log pane focuses it, a click on a table row gives the focus back', async () => {
    const s = screen()
    await s.shows('worker.1')
    expect(s.frame()).toContain('(tab)')
    s.send(click(10, LOGS_ROW))
    await s.shows('(focused)')
    s.send(click(10, TABLE_ROW(1)))
    await waitFor('postgres.1 selected and the table focused', () => s.selected() === 'postgres.1' && s.frame().includes('(tab)'), 3000)
  })

  it('the wheel over the log pane scrolls it back and leaves follow, focused or not, as the up key does', async () => {
    const client = new FakeApiClient(shopStatus())
    // Only db's stream has lines: the pane first reads the whole stack (before the snapshot selects db), then reads
    // again from scratch; a notch that came before would be undone by that.
    const lines = Array.from({length: 100}, (_, n) => recordedLine(n, `line ${n}`, {instance: 'postgres.1', stack: 'shop'}))
    client.logLines = (params) => (params.targets.join() === 'db' ? lines : [])
    const s = screen({client})
    await s.shows((f) => f.includes('logs shop db [follow]') && f.includes('line 99'), 'db’s lines')
    expect(s.frame()).toMatch(/\[follow\]/)
    s.send(wheel('up', 10, LOGS_ROW))
    await s.shows('[paused]')
    await s.shows((f) => !f.includes('line 99') && f.includes('line 96'), 'line 99 scrolled out and line 96 at the bottom')
    // Still the table's: the wheel does not take the focus.
    expect(s.frame()).toContain('(tab)')
    s.send(wheel('down', 10, LOGS_ROW))
    await s.shows('line 99')
  })

  it('a report is never keys: not typed into the filter, not bound keys, not a quit', async () => {
    // Every character of a report bound to quit: a report read as keys would end the screen.
    const keys: KeyMap = {...DEFAULT_KEYS, quit: ['q', '[', '<', '0', '1', '5', '6', ';', 'M', 'm']}
    const s = screen({keys})
    await s.shows('worker.1')
    s.send(click(10, TABLE_ROW(3)))
    await waitFor('web.1 selected', () => s.selected() === 'web.1', 3000)
    s.send('/')
    await s.shows('filter: ')
    s.send(click(10, TABLE_ROW(1)))
    s.send(wheel('down', 10, LOGS_ROW))
    s.send('w')
    await s.shows(/filter: w\b/, 'the filter "w"')
    expect(s.frame()).not.toContain('[<')
    expect(s.exits).toEqual([])
  })

  it('--read-only: clicks and the wheel still select and scroll (they are not actions), and call nothing', async () => {
    const s = screen({readOnly: true})
    await s.shows('worker.1')
    s.send(click(10, TABLE_ROW(4)))
    await waitFor('web.2 selected', () => s.selected() === 'web.2@h1', 3000)
    s.send(wheel('up', 10, TABLE_ROW(4)))
    await waitFor('postgres.1 selected', () => s.selected() === 'postgres.1', 3000)
    expect(s.client.calls.filter((c) => c.method !== 'status')).toEqual([])
  })

  it('? lists the mouse with the keys; in a view (help) the mouse does nothing', async () => {
    const s = screen()
    await s.shows('worker.1')
    s.send('?')
    await s.shows(/click\s+table: select the row; logs: focus them/, 'the mouse in the help')
    expect(s.frame()).toMatch(/wheel\s+move the selection \/ scroll the logs/)
    s.send(click(10, TABLE_ROW(3)))
    s.send('\x1b')
    await s.shows('PROBE')
    expect(s.selected()).toBe('db')
  })
})
