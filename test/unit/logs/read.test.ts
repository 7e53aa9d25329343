// Reading the store: the last lines (limit, since, grep, partial, long
// lines) and following from a cursor (batches, rotation, skipped data),
// also while the store rotates under the reader.
import {readdirSync, renameSync, utimesSync, writeFileSync} from 'node:fs'
import {open} from 'node:fs/promises'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {InstanceLogs, lineText, readLastLines, readLinesFrom, type StoredLine} from '../../../src/daemon/logs/index.js'
import {indexPath, logPath, nextIndexPath} from '../../../src/daemon/logs/layout.js'
import {makeTempDir, numberedLines, slotsOnDisk, writeRaw} from '../../fixtures/logs/store-files.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function store(options: {maxSize?: number; keep?: number; now?: () => number} = {}) {
  const temp = makeTempDir()
  cleanups.push(temp.remove)
  const logs = new InstanceLogs(temp.dir, {maxSize: options.maxSize ?? 10 * 1024 * 1024, keep: options.keep ?? 5, now: options.now})
  cleanups.push(() => logs.close())
  await logs.open()
  const add = async (data: string | Buffer, stream: 'stdout' | 'stderr' = 'stdout') => {
    writeRaw(temp.dir, stream, data)
    await logs.pump()
  }
  return {dir: temp.dir, logs, add}
}

const texts = (lines: StoredLine[]) => lines.map((line) => lineText(line.bytes))
const numbers = (lines: StoredLine[]) => lines.map((line) => Number(line.bytes.toString().split(' ')[1]))

describe('readLastLines', () => {
  it('returns the last complete lines, oldest first, across segments', async () => {
    const {dir, add} = await store({maxSize: 1000, keep: 100})
    for (let i = 0; i < 10; i++) await add(numberedLines('n', i * 100, 100))
    expect(slotsOnDisk(dir, 'stdout').length).toBeGreaterThan(30)
    expect(numbers(await readLastLines(dir, 'stdout', {limit: 3}))).toEqual([997, 998, 999])
    const many = await readLastLines(dir, 'stdout', {limit: 450})
    expect(numbers(many)).toEqual(Array.from({length: 450}, (_, i) => 550 + i))
    expect(many.at(-1)!.end).toBe(40_000)
    expect(many[0]!.end).toBe(551 * 40)
    expect((await readLastLines(dir, 'stdout', {limit: 5000})).length).toBe(1000)
    expect(await readLastLines(dir, 'stderr', {limit: 5})).toEqual([])
    expect(await readLastLines(dir, 'stdout', {limit: 0})).toEqual([])
  })

  it('dates a line by the chunk that held its newline, and filters by since', async () => {
    let clock = 1000
    const {dir, add} = await store({maxSize: 100, keep: 50, now: () => clock})
    await add('a1\na2\nb')
    clock = 2000
    await add('1\nb2\n')
    clock = 3000
    await add(numberedLines('c', 0, 10, 20))
    const all = await readLastLines(dir, 'stdout', {limit: 100})
    expect(all.slice(0, 4).map((l) => [lineText(l.bytes), l.time, l.stream])).toEqual([
      ['a1', 1000, 'stdout'],
      ['a2', 1000, 'stdout'],
      ['b1', 2000, 'stdout'],
      ['b2', 2000, 'stdout'],
    ])
    expect(texts(await readLastLines(dir, 'stdout', {limit: 100, sinceMs: 2000})).slice(0, 3)).toEqual(['b1', 'b2', 'c 000000000 xxxxxxx'])
    expect((await readLastLines(dir, 'stdout', {limit: 100, sinceMs: 2500})).length).toBe(10)
    expect(await readLastLines(dir, 'stdout', {limit: 100, sinceMs: 9999})).toEqual([])
  })

  it('keeps the last lines that match grep, with /g patterns as well', async () => {
    const {dir, add} = await store({maxSize: 500, keep: 100})
    await add(numberedLines('g', 0, 300))
    expect(numbers(await readLastLines(dir, 'stdout', {limit: 4, grep: /00000\d\d0 /g}))).toEqual([260, 270, 280, 290])
    expect(numbers(await readLastLines(dir, 'stdout', {limit: 100, grep: /^g 00000000[0-2] /}))).toEqual([0, 1, 2])
    expect(await readLastLines(dir, 'stdout', {limit: 100, grep: /nothing/})).toEqual([])
  })

  it('includes a trailing line without newline only when asked', async () => {
    const {dir, add} = await store()
    await add('one\ntwo\npart')
    expect(texts(await readLastLines(dir, 'stdout', {limit: 2}))).toEqual(['one', 'two'])
    const withPartial = await readLastLines(dir, 'stdout', {limit: 2, includePartial: true})
    expect(texts(withPartial)).toEqual(['two', 'part'])
    expect(withPartial.at(-1)!.end).toBe(12)
    await add('ial\n')
    expect(texts(await readLastLines(dir, 'stdout', {limit: 1, includePartial: true}))).toEqual(['partial'])
  })

  it('returns 1 MB lines and invalid UTF-8 intact, decoding with replacement characters', async () => {
    const {dir, add} = await store({maxSize: 1000, keep: 10})
    const big = Buffer.alloc(1024 * 1024, 'x')
    const bad = Buffer.from([0x61, 0xff, 0xc3, 0x28, 0x62]) // a, invalid, broken 2-byte sequence, b
    await add(Buffer.concat([Buffer.from('start\n'), big, Buffer.from('\n'), bad, Buffer.from('\r\nend\n')]))
    const lines = await readLastLines(dir, 'stdout', {limit: 4})
    expect(lines.length).toBe(4)
    expect(lines[1]!.bytes.equals(big)).toBe(true)
    expect(lines[2]!.bytes.equals(Buffer.concat([bad, Buffer.from('\r')]))).toBe(true)
    expect(lineText(lines[2]!.bytes)).toBe('a\uFFFD\uFFFD(b')
    expect(texts([lines[0]!, lines[3]!])).toEqual(['start', 'end'])
  })

  it('returns a line that a forced rotation split across segments whole', async () => {
    const {dir, add} = await store({maxSize: 1000, keep: 10})
    const huge = Buffer.alloc(3 * 1024 * 1024, 'h')
    await add(Buffer.concat([huge, Buffer.from('\nz\n')]))
    expect(slotsOnDisk(dir, 'stdout').length).toBeGreaterThanOrEqual(3)
    const lines = await readLastLines(dir, 'stdout', {limit: 2})
    expect(lines[0]!.bytes.equals(huge)).toBe(true)
    expect(texts(lines.slice(1))).toEqual(['z'])
  })

  it('reads a few blocks, not the whole 10 MB segment, for the last 100 lines', async () => {
    const {dir, add} = await store({maxSize: 20 * 1024 * 1024})
    for (let i = 0; i < 100; i++) await add(numberedLines('p', i * 1000, 1000, 100)) // 10 MB in 100 chunks
    const probe = await open(`${dir}/out.log`, 'r')
    const proto = Object.getPrototypeOf(probe) as {read: (...args: unknown[]) => Promise<{bytesRead: number}>}
    await probe.close()
    let bytes = 0
    const read = proto.read
    vi.spyOn(proto, 'read').mockImplementation(async function (this: unknown, ...args: unknown[]) {
      const result = await read.apply(this, args)
      bytes += result.bytesRead
      return result
    })
    const lines = await readLastLines(dir, 'stdout', {limit: 100})
    expect(numbers(lines)).toEqual(Array.from({length: 100}, (_, i) => 99_900 + i))
    expect(bytes).toBeLessThan(256 * 1024)
  })
})

/**
 * A rotation stopped where rotation.ts's renames can be seen from outside: its marker written,
 * every slot above 1 moved up, and slot 1's index moved but not yet its log.
 */
function stopRotationHalfway(dir: string): void {
  const top = Math.max(...slotsOnDisk(dir, 'stdout'))
  writeFileSync(nextIndexPath(dir, 'stdout'), '')
  for (let slot = top; slot >= 2; slot--) {
    renameSync(indexPath(dir, 'stdout', slot), indexPath(dir, 'stdout', slot + 1))
    renameSync(logPath(dir, 'stdout', slot), logPath(dir, 'stdout', slot + 1))
  }
  renameSync(indexPath(dir, 'stdout', 1), indexPath(dir, 'stdout', 2))
}

describe('reading while the store rotates', () => {
  it('at the moment a rotation has moved an index up and not yet its log, the read waits for the log instead of stopping short', async () => {
    const {dir, add} = await store({maxSize: 1000, keep: 100})
    for (let i = 0; i < 4; i++) await add(numberedLines('n', i * 100, 100))
    const all = numbers(await readLastLines(dir, 'stdout', {limit: 5000}))
    expect(all.length).toBe(400)
    stopRotationHalfway(dir)
    // The log follows its index while the read runs (as the writer's next rename would), late
    // enough that a reader that does not wait for it has long finished (and stopped short).
    const reading = readLastLines(dir, 'stdout', {limit: 5000})
    setTimeout(() => renameSync(logPath(dir, 'stdout', 1), logPath(dir, 'stdout', 2)), 100)
    expect(numbers(await reading)).toEqual(all)
  })

  it('while it waits for a log that never follows, it holds no more files than one look needs; a marker a crash left is not waited for', async () => {
    const {dir, add} = await store({maxSize: 1000, keep: 100})
    for (let i = 0; i < 4; i++) await add(numberedLines('n', i * 100, 100))
    stopRotationHalfway(dir)
    const openFiles = () => readdirSync('/proc/self/fd').length
    const before = openFiles()
    let most = before
    const sampler = setInterval(() => (most = Math.max(most, openFiles())), 5)
    // Slot 2's log never comes: the read looks again until it gives up, each look closing the last one's files.
    const waited = numbers(await readLastLines(dir, 'stdout', {limit: 5000}))
    clearInterval(sampler)
    expect(most - before).toBeLessThan(20)
    // The same half-done rotation, its marker old: left by a crash, so nothing is waited for — and the same lines come back.
    const old = new Date(Date.now() - 60_000)
    utimesSync(nextIndexPath(dir, 'stdout'), old, old)
    const timers = vi.spyOn(globalThis, 'setTimeout')
    try {
      expect(numbers(await readLastLines(dir, 'stdout', {limit: 5000}))).toEqual(waited)
      expect(timers).not.toHaveBeenCalled()
    } finally {
      timers.mockRestore()
    }
  })


  it('always sees consecutive last lines', async () => {
    const {dir, logs} = await store({maxSize: 300, keep: 20})
    let written = 0
    let writing = true
    const writer = (async () => {
      while (written < 4000) {
        writeRaw(dir, 'stdout', numberedLines('o', written, 5))
        written += 5
        await logs.pump()
      }
      writing = false
    })()
    let reads = 0
    while (writing) {
      const got = numbers(await readLastLines(dir, 'stdout', {limit: 50}))
      reads++
      if (got.length === 0) continue
      expect(got).toEqual(Array.from({length: got.length}, (_, i) => got[0]! + i))
      if (got[0]! >= 50) expect(got.length).toBe(50)
    }
    await writer
    expect(reads).toBeGreaterThan(10)
  })
})

describe('readLinesFrom', () => {
  it('hands out complete lines in batches of about maxBytes, with the next cursor', async () => {
    const {dir, add} = await store({maxSize: 1000, keep: 100})
    await add(numberedLines('f', 0, 500))
    await add('partial')
    const seen: number[] = []
    let cursor = 0
    for (;;) {
      const {lines, next, skipped} = await readLinesFrom(dir, 'stdout', cursor, 1000)
      expect(skipped).toBe(0)
      if (lines.length === 0) break
      expect(lines.length).toBeLessThanOrEqual(25)
      expect(lines.at(-1)!.end).toBe(next)
      seen.push(...numbers(lines))
      cursor = next
    }
    expect(seen).toEqual(Array.from({length: 500}, (_, i) => i))
    expect(cursor).toBe(20_000)
    await add(' done\n')
    expect(texts((await readLinesFrom(dir, 'stdout', cursor)).lines)).toEqual(['partial done'])
  })

  it('hands out a line longer than maxBytes whole', async () => {
    const {dir, add} = await store()
    const long = Buffer.alloc(300_000, 'l')
    await add(Buffer.concat([long, Buffer.from('\nshort\n')]))
    const first = await readLinesFrom(dir, 'stdout', 0, 1000)
    expect(first.lines.length).toBe(1)
    expect(first.lines[0]!.bytes.equals(long)).toBe(true)
    expect(texts((await readLinesFrom(dir, 'stdout', first.next, 1000)).lines)).toEqual(['short'])
  })

  it('keeps cursors valid across rotations and says how much rotated away unread', async () => {
    const {dir, add} = await store({maxSize: 400, keep: 2})
    await add(numberedLines('w', 0, 20))
    const first = await readLinesFrom(dir, 'stdout', 0, 200)
    expect(numbers(first.lines)).toEqual([0, 1, 2, 3, 4])
    await add(numberedLines('w', 20, 10)) // rotations, nothing dropped yet: 3 segments of 400
    const second = await readLinesFrom(dir, 'stdout', first.next, 400)
    expect(second.skipped).toBe(0)
    expect(numbers(second.lines)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    await add(numberedLines('w', 30, 30)) // now the oldest segments went
    const third = await readLinesFrom(dir, 'stdout', second.next, 100_000)
    // Kept: the current segment (full, rotates when more comes) and two rotated ones: from line 30.
    expect(third.skipped).toBe(1200 - 600)
    expect(numbers(third.lines)).toEqual(Array.from({length: 30}, (_, i) => 30 + i))
    const beyond = await readLinesFrom(dir, 'stdout', 1_000_000)
    expect(beyond).toEqual({lines: [], next: 1_000_000, skipped: 0})
  })

  it('follows every line exactly once while the store rotates under it', async () => {
    const {dir, logs} = await store({maxSize: 1000, keep: 500})
    const total = 3000
    let written = 0
    const writer = (async () => {
      while (written < total) {
        writeRaw(dir, 'stdout', numberedLines('t', written, 7))
        written += 7
        await logs.pump()
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    const seen: number[] = []
    let cursor = 0
    let writing = true
    void writer.then(() => (writing = false))
    while (writing || cursor < logs.ends().stdout) {
      const {lines, next, skipped} = await readLinesFrom(dir, 'stdout', cursor, 777)
      expect(skipped).toBe(0)
      seen.push(...numbers(lines))
      cursor = next
    }
    await writer
    expect(seen.length).toBe(written)
    seen.forEach((n, i) => expect(n).toBe(i))
  })
})
