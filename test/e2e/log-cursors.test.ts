// Log cursors through a real daemon: every line the API hands out carries a
// cursor, and `after: CURSOR` resumes exactly after it — nothing lost,
// nothing repeated — across a client reconnect, dozens of rotations and a
// daemon restart, while two writers keep writing; lines come in one order.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {decodeCursor} from '../../src/api/cursor.js'
import {marPaths} from '../../src/api/home.js'
import type {LogLine, LogsParams} from '../../src/api/protocol.js'
import {connectSocket} from '../../src/api/transports.js'
import {project} from '../helpers/cli.js'
import {withHome, type Home} from '../helpers/daemon.js'
import {waitFor} from '../helpers/wait.js'

const homes: Home[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const home of homes.splice(0)) await home.cleanup()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

const COUNT = 15_000

async function stack() {
  const home = withHome()
  homes.push(home)
  // 15 000 lines of 14 bytes per instance into 8 KiB segments: some 25 rotations each, all kept.
  const p = project({'mar.yaml': `name: cur\nrunners:\n  w: { cmd: [node, $FIXTURES/numbered.mjs, "${COUNT}", "15", go], scale: 2, log: { max_size: 8K, keep: 200 } }\n`})
  cleanups.push(p.cleanup)
  expect((await home.mar(['up', '--no-wait'], {cwd: p.dir})).code).toBe(0)
  return {home, dir: p.dir, socket: marPaths(home.home).socket}
}

/** Read `logs` until `enough` (asked of each new line) says so, or the stream ends; returns the lines and the stream's end if it ended. */
async function read(socket: string, params: Omit<LogsParams, 'stack' | 'targets'>, enough: (lines: LogLine[]) => boolean = () => false) {
  const client = await connectSocket(socket)
  const lines: LogLine[] = []
  let satisfied: () => void = () => {}
  const done = new Promise<void>((resolve) => (satisfied = resolve))
  const stream = client.stream('logs', {stack: {name: 'cur'}, targets: [], ...params}, {
    item(line) {
      lines.push(line)
      if (enough(lines)) satisfied()
    },
  })
  const end = await Promise.race([stream.done, done.then(() => null)])
  client.close()
  return {lines, end}
}

const readable = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '')
const numberOf = (line: LogLine) => Number(/^line (\d+)$/.exec(line.line)![1])

function expectWhole(lines: LogLine[]) {
  for (const instance of ['w.1', 'w.2']) {
    const numbers = lines.filter((l) => l.instance === instance && l.stream === 'stdout').map(numberOf)
    expect(numbers.length, instance).toBe(COUNT)
    expect(numbers.every((n, i) => n === i), `${instance}: every line once, in order`).toBe(true)
  }
}

function expectOrdered(lines: LogLine[]) {
  const stamps = lines.map((l) => decodeCursor(l.cursor).stamp)
  const first = stamps.findIndex((stamp, i) => i > 0 && stamp < stamps[i - 1]!)
  const around = first < 0 ? [] : lines.slice(first - 2, first + 2).map((l) => `${l.instance} ${l.stream} ${l.line} ${JSON.stringify(decodeCursor(l.cursor))}`)
  expect(around, `line ${first} of ${lines.length} comes before the one above it`).toEqual([])
}

describe('log cursors', () => {
  it('a follower that reconnects with the last cursor it got misses nothing and repeats nothing, across rotations and a daemon restart', async () => {
    const {home, dir, socket} = await stack()
    // Where the stream stands before the writers go (a request that ends at once hands back that point),
    // then follow from there: every line written after it is one this follower must see.
    const before = await read(socket, {lines: 0, follow: false})
    const first = read(socket, {lines: 0, follow: true, after: before.end!.cursor}, (lines) => lines.length >= 4000)
    writeFileSync(join(dir, 'go'), '')
    const a = await first
    expect(a.end).toBeNull() // cut off by the client, not ended
    const last = a.lines.at(-1)!
    // The writers go on while nobody follows, and the daemon is replaced under them.
    expect((await home.mar(['daemon', 'stop', '--keep'])).code).toBe(0)
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    const finished = new Set<string>()
    const b = await read(socket, {lines: 0, follow: true, after: last.cursor}, (lines) => {
      const line = lines.at(-1)!
      if (line.line === `line ${String(COUNT - 1).padStart(8, '0')}`) finished.add(line.instance)
      return finished.size === 2
    })
    expectWhole([...a.lines, ...b.lines])
    expectOrdered(a.lines)
    expectOrdered(b.lines)
    expect(decodeCursor(b.lines[0]!.cursor).stamp).toBeGreaterThanOrEqual(decodeCursor(last.cursor).stamp)
  })

  it('paging through history: each page resumes after the one before, and the end cursor of an empty page stays put', async () => {
    const {home, dir, socket} = await stack()
    writeFileSync(join(dir, 'go'), '')
    await waitFor('the writers to finish', () => ['w.1', 'w.2'].every((w) => readable(join(home.home, 'logs', 'cur', w, 'err.log')).includes('done writing')), 25_000, 50)
    // From the very beginning: a bare cursor before every stamp.
    let after = `c1.${Buffer.from(JSON.stringify([0])).toString('base64url')}`
    const pages: LogLine[][] = []
    for (let i = 0; i < 200; i++) {
      const page = await read(socket, {lines: 3500, follow: false, after})
      if (page.lines.length === 0) {
        expect(page.end?.cursor).toBe(after)
        break
      }
      expect(page.lines.length).toBeLessThanOrEqual(3500)
      pages.push(page.lines)
      expect(page.end?.cursor).toBe(page.lines.at(-1)!.cursor)
      after = page.end!.cursor
    }
    const all = pages.flat().filter((l) => l.stream === 'stdout')
    expectWhole(all)
    expectOrdered(pages.flat())
    // A cursor mar did not hand out is refused, not guessed at.
    const client = await connectSocket(socket)
    const bad = client.stream('logs', {stack: {name: 'cur'}, targets: [], lines: 10, follow: false, after: 'c1.not-a-cursor'}, {item: () => {}})
    await expect(bad.done).rejects.toMatchObject({code: 'bad-cursor'})
    client.close()
  })
})
