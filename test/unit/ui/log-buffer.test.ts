import {describe, expect, it} from 'vitest'
import {encodeCursor} from '../../../src/api/cursor.js'
import type {LogLine, LogsParams} from '../../../src/api/protocol.js'
import {LogBuffer, matchPositions, olderPageParams, rowCount, type ViewOptions} from '../../../src/ui/log-buffer.js'

/** A stored line as the daemon hands it out: line n has stamp n, so cursors order as n does. */
function line(n: number, text = `line ${n}`, stream: 'stdout' | 'stderr' = 'stdout', instance = 'web.1'): LogLine {
  return {time: new Date(1_700_000_000_000 + n).toISOString(), stack: 'app', instance, host: 'local', stream, line: text, cursor: encodeCursor({stamp: 1_700_000_000_000 + n, at: {stack: 'app', instance, stream, end: n * 100}})}
}
const range = (from: number, to: number) => Array.from({length: to - from}, (_, i) => line(from + i))
const view = (o: Partial<ViewOptions> = {}): ViewOptions => ({height: 5, textWidth: 20, wrap: false, stderrOnly: false, ...o})
const texts = (b: LogBuffer, pos: Parameters<LogBuffer['window']>[0], o: ViewOptions) => b.window(pos, o).rows.map((r) => r.line.line.slice(r.start, r.end))

describe('LogBuffer', () => {
  it('keeps at most its capacity, newest last, with its first and last cursors', () => {
    const b = new LogBuffer(100)
    b.append(range(0, 250))
    expect(b.size).toBe(100)
    expect(b.lines()[0]!.line).toBe('line 150')
    expect(b.firstCursor).toBe(line(150).cursor)
    expect(b.lastCursor).toBe(line(249).cursor)
    expect(b.hasOlder).toBe(true)
  })

  it('drops lines a resumed stream repeats', () => {
    const b = new LogBuffer()
    b.append(range(0, 10))
    expect(b.append(range(5, 12))).toBe(2)
    expect(b.lines().map((l) => l.line)).toEqual(range(0, 12).map((l) => l.line))
  })

  it('pages back: keeps only lines before its first, by position, whatever the re-read repeats', () => {
    const b = new LogBuffer()
    b.append(range(50, 60))
    // The store's last 10 + 20 lines, read after 3 more lines arrived at the tail.
    const reread = range(33, 63)
    expect(b.prepend(reread, false)).toBe(17)
    expect(b.lines().map((l) => l.line)).toEqual(range(33, 60).map((l) => l.line))
    expect(b.hasOlder).toBe(true)
    // A short re-read: the store has nothing older.
    expect(b.prepend(range(0, 63), true)).toBe(33)
    expect(b.hasOlder).toBe(false)
    expect(b.size).toBe(60)
    // Seqs stay ordered across both ends.
    b.append([line(60)])
    expect(b.get(b.firstSeq!)!.line).toBe('line 0')
    expect(b.get(b.lastSeq!)!.line).toBe('line 60')
    expect(b.lastSeq! - b.firstSeq!).toBe(60)
  })

  it('paging back past capacity lets the newest go and stops taking live lines until the tail is read again', () => {
    const b = new LogBuffer(20)
    b.append(range(90, 100))
    b.prepend(range(70, 100), false)
    expect(b.size).toBe(20)
    expect(b.tailDropped).toBe(true)
    expect(b.lines().at(-1)!.line).toBe('line 89')
    expect(b.append([line(100)])).toBe(0)
    b.clear()
    expect(b.tailDropped).toBe(false)
    expect(b.append([line(100)])).toBe(1)
  })

  it('asks for older pages as the last size + page lines, never following', () => {
    const b = new LogBuffer()
    b.append(range(0, 30))
    const base: LogsParams = {stack: {name: 'app'}, targets: ['web'], lines: 100, follow: true, after: 'c1.x'}
    expect(olderPageParams(base, b, 500)).toEqual({stack: {name: 'app'}, targets: ['web'], lines: 530, follow: false})
  })
})

describe('the virtual window', () => {
  it('shows the newest rows that fit, and scrolls by rows', () => {
    const b = new LogBuffer()
    b.append(range(0, 100))
    const o = view()
    expect(texts(b, null, o)).toEqual(['line 95', 'line 96', 'line 97', 'line 98', 'line 99'])
    expect(b.window(null, o).atBottom).toBe(true)
    const up = b.scroll(null, 3, o)
    expect(texts(b, up, o)).toEqual(['line 92', 'line 93', 'line 94', 'line 95', 'line 96'])
    expect(b.window(up, o).atBottom).toBe(false)
    // Never above the top.
    const top = b.scroll(null, 1000, o)
    expect(texts(b, top, o)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4'])
    expect(b.window(top, o).atTop).toBe(true)
    expect(b.top(o)).toEqual(top)
    // Down again, to the newest at most.
    expect(texts(b, b.scroll(top, -1000, o), o)).toEqual(texts(b, null, o))
    // New lines do not move a view that is scrolled back.
    b.append(range(100, 110))
    expect(texts(b, up, o)).toEqual(['line 92', 'line 93', 'line 94', 'line 95', 'line 96'])
  })

  it('cuts only the rows it shows, wrapping long lines to the width', () => {
    const b = new LogBuffer()
    b.append([line(0, 'short'), line(1, 'a'.repeat(25)), line(2, 'b'.repeat(10) + 'c'.repeat(10) + 'd'.repeat(3))])
    const o = view({height: 4, textWidth: 10, wrap: true})
    const w = b.window(null, o)
    expect(w.rows.map((r) => [r.line.line.slice(r.start, r.end), r.first])).toEqual([
      ['aaaaa', false],
      ['bbbbbbbbbb', true],
      ['cccccccccc', false],
      ['ddd', false],
    ])
    // One row up shows the middle of the long line.
    expect(texts(b, b.scroll(null, 1, o), o)).toEqual(['aaaaaaaaaa', 'aaaaa', 'bbbbbbbbbb', 'cccccccccc'])
    // Without wrap: a row per line.
    expect(texts(b, null, {...o, wrap: false})).toEqual(['short', 'a'.repeat(25), 'bbbbbbbbbbccccccccccddd'])
    expect(rowCount('', 10)).toBe(1)
    expect(rowCount('x'.repeat(21), 10)).toBe(3)
  })

  it('a huge buffer costs only the rows shown', () => {
    const b = new LogBuffer()
    b.append(range(0, 10_000))
    const o = view({height: 30, wrap: true})
    const t = performance.now()
    for (let i = 0; i < 1000; i++) b.window(b.scroll(null, i, o), o)
    expect(performance.now() - t).toBeLessThan(2000)
    expect(b.window(null, o).rows).toHaveLength(30)
  })

  it('stderr only: shows only stderr lines, and a position on a hidden line moves to a shown one', () => {
    const b = new LogBuffer()
    b.append(range(0, 20).map((l, i) => (i % 5 === 0 ? {...l, stream: 'stderr' as const, line: `err ${i}`} : l)))
    const o = view({stderrOnly: true})
    expect(texts(b, null, o)).toEqual(['err 0', 'err 5', 'err 10', 'err 15'])
    expect(b.window(null, o).atTop).toBe(true)
    const pos = {seq: b.firstSeq! + 12, rowsBelow: 0}
    expect(b.window(pos, {...o, height: 1}).rows[0]!.line.line).toBe('err 10')
  })
})

describe('search', () => {
  it('finds lines any case, older and newer, and gives match positions', () => {
    const b = new LogBuffer()
    b.append([line(0, 'GET /a 200'), line(1, 'boot'), line(2, 'get /b 500'), line(3, 'idle'), line(4, 'Get /c Get')])
    const o = view()
    const s = b.firstSeq!
    expect(b.find('get', null, 'older', o)).toBe(s + 4)
    expect(b.find('get', s + 4, 'older', o)).toBe(s + 2)
    expect(b.find('get', s + 2, 'older', o)).toBe(s)
    expect(b.find('get', s, 'older', o)).toBeNull()
    expect(b.find('get', s, 'newer', o)).toBe(s + 2)
    expect(b.find('nothing', null, 'older', o)).toBeNull()
    expect(matchPositions('Get /c Get', 'get')).toEqual([0, 7])
    expect(matchPositions('aaaa', 'aa')).toEqual([0, 2])
    expect(matchPositions('x', '')).toEqual([])
  })

  it('centers a match in the pane', () => {
    const b = new LogBuffer()
    b.append(range(0, 100))
    const o = view()
    expect(texts(b, b.center(b.firstSeq! + 50, o), o)).toEqual(['line 48', 'line 49', 'line 50', 'line 51', 'line 52'])
    expect(texts(b, b.center(b.firstSeq! + 1, o), o)[0]).toBe('line 0')
  })
})
