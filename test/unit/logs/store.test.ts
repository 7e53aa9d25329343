// Capturing into the store: exact bytes, partial and very long lines,
// rotation at line boundaries, the time index, disk space given back, the
// line bus.
import {closeSync, existsSync, readdirSync, readFileSync, statSync, writeSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'
import {InstanceLogs} from '../../../src/daemon/logs/index.js'
import {rawPath} from '../../fixtures/logs/store-files.js'
import {waitFor} from '../../helpers/wait.js'
import {expectNumbered, makeTempDir, numberedLines, readIndex, segmentBytes, slotsOnDisk, storedBytes, writeRaw} from '../../fixtures/logs/store-files.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function openLogs(options: {maxSize?: number; keep?: number; now?: () => number} = {}) {
  const temp = makeTempDir()
  cleanups.push(temp.remove)
  const logs = new InstanceLogs(temp.dir, {maxSize: options.maxSize ?? 10 * 1024 * 1024, keep: options.keep ?? 5, now: options.now})
  cleanups.push(() => logs.close())
  await logs.open()
  return {dir: temp.dir, logs}
}

describe('InstanceLogs capture', () => {
  it('creates private directories; a new one gets its files only when a child needs them', async () => {
    const {dir, logs} = await openLogs()
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(logs.spoolDir).mode & 0o777).toBe(0o700)
    expect(readdirSync(dir)).toEqual([])
    const fds = logs.openForChild()
    closeSync(fds.stdout)
    closeSync(fds.stderr)
    // The child writes the spools; the plain logs appear with the first bytes copied.
    expect(statSync(rawPath(dir, 'stdout')).size).toBe(0)
    expect(statSync(rawPath(dir, 'stderr')).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual([])
    writeRaw(dir, 'stdout', 'x\n')
    await logs.pump()
    expect(readdirSync(dir).sort()).toEqual(['out.idx', 'out.log'])
    for (const name of readdirSync(dir)) expect(statSync(`${dir}/${name}`).mode & 0o777).toBe(0o600)
  })

  it('stores bytes exactly: invalid UTF-8, CR, NUL, a 1 MB line, a partial last line', async () => {
    const {dir, logs} = await openLogs()
    const big = Buffer.alloc(1024 * 1024, 'b')
    const data = Buffer.concat([
      Buffer.from('plain\r\n'),
      Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x0a]), // invalid UTF-8, NUL, a cut 2-byte sequence
      Buffer.from('héllo ✓\n'),
      big,
      Buffer.from('\nno newline yet'),
    ])
    writeRaw(dir, 'stdout', data.subarray(0, 100_000))
    await logs.pump()
    writeRaw(dir, 'stdout', data.subarray(100_000))
    writeRaw(dir, 'stderr', 'oops\n')
    await logs.pump()
    expect(storedBytes(dir, 'stdout').equals(data)).toBe(true)
    expect(storedBytes(dir, 'stderr').toString()).toBe('oops\n')
    expect(logs.ends()).toEqual({stdout: data.length, stderr: 5})
  })

  it('indexes every chunk: global position, raw offset, length, time', async () => {
    let clock = 1_000
    const {dir, logs} = await openLogs({now: () => clock})
    writeRaw(dir, 'stdout', 'a\nb\n')
    await logs.pump()
    clock = 2_000
    writeRaw(dir, 'stdout', 'cc\n')
    await logs.pump()
    expect(readIndex(dir, 'stdout', 0)).toEqual([
      {globalStart: 0, rawStart: 0, length: 4, timeMs: 1_000},
      {globalStart: 4, rawStart: 4, length: 3, timeMs: 2_000},
    ])
  })

  it('copies a big backlog in blocks of 1 MiB, each recorded after its bytes are in out.log', async () => {
    const {dir, logs} = await openLogs()
    writeRaw(dir, 'stdout', numberedLines('b', 0, 100_000, 100)) // 10 MB
    await logs.pump()
    const records = readIndex(dir, 'stdout', 0)
    expect(records.length).toBe(10)
    records.forEach((record, i) => expect(record).toEqual({globalStart: i * 1048576, rawStart: i * 1048576, length: Math.min(1048576, 10_000_000 - i * 1048576), timeMs: records[0]!.timeMs}))
    expect(readdirSync(dir).sort()).toEqual(['out.idx', 'out.log'])
    expect(expectNumbered(readFileSync(`${dir}/out.log`, 'latin1'), 'b', 100_000)).toBeUndefined()
  })

  it('gives back the copied front of the spool (collapse) and records how much, so positions survive', async () => {
    const {dir, logs} = await openLogs({maxSize: 64 * 1024, keep: 1})
    for (let i = 0; i < 40; i++) {
      writeRaw(dir, 'stdout', numberedLines('d', i * 1000, 1000, 100)) // 100 kB a time, 4 MB in all
      await logs.pump()
    }
    // Copied bytes stay in the spool until the stream is idle (a second without new bytes), then go in whole blocks.
    expect(existsSync(`${logs.spoolDir}/out.base`)).toBe(false)
    await waitFor('the idle spool collapsed', () => existsSync(`${logs.spoolDir}/out.base`), 5_000)
    const base = Number(readFileSync(`${logs.spoolDir}/out.base`, 'utf8'))
    expect(base % 4096).toBe(0)
    expect(base).toBe(4_000_000 - (4_000_000 % 4096))
    expect(statSync(rawPath(dir, 'stdout')).size).toBe(4_000_000 - base)
    // The plain files: the current segment and one rotated, a line past max size at most.
    for (const name of ['out.log', 'out.log.1']) expect(statSync(`${dir}/${name}`).size).toBeLessThanOrEqual(64 * 1024 + 100)
    expect(readdirSync(dir).sort()).toEqual(['out.idx', 'out.idx.1', 'out.log', 'out.log.1'])
    const kept = storedBytes(dir, 'stdout').toString().trimEnd().split('\n')
    expect(kept.at(-1)!.startsWith('d 000039999 ')).toBe(true)
    // More output after a restart lands at the right place in spite of the shifted spool.
    await logs.close()
    writeRaw(dir, 'stdout', numberedLines('d', 40_000, 10, 100))
    await logs.open()
    await logs.pump()
    expect(storedBytes(dir, 'stdout').toString().trimEnd().split('\n').at(-1)!.startsWith('d 000040009 ')).toBe(true)
    expect(logs.ends().stdout).toBe(4_001_000)
  })

  it('rotates right after a newline once a segment reaches max size, and keeps `keep` segments', async () => {
    const {dir, logs} = await openLogs({maxSize: 1024, keep: 3})
    for (let i = 0; i < 100; i++) {
      writeRaw(dir, 'stdout', numberedLines('r', i * 10, 10, 37)) // 370 bytes a time
      await logs.pump()
    }
    expect(slotsOnDisk(dir, 'stdout')).toEqual([0, 1, 2, 3])
    for (const slot of [1, 2, 3]) {
      const segment = segmentBytes(dir, 'stdout', slot).length
      expect(segment).toBeGreaterThanOrEqual(1024)
      expect(segment).toBeLessThan(1024 + 37)
    }
    // What is kept is a tail of the stream: whole lines, in order, none twice, none missing in between.
    const kept = storedBytes(dir, 'stdout').toString()
    expect(kept.endsWith('\n')).toBe(true)
    const numbers = kept.trimEnd().split('\n').map((line) => Number(line.split(' ')[1]))
    expect(numbers.at(-1)).toBe(999)
    numbers.forEach((n, i) => expect(n).toBe(numbers[0]! + i))
    // Global positions run on across segments.
    const all = [3, 2, 1, 0].flatMap((slot) => readIndex(dir, 'stdout', slot))
    for (let i = 1; i < all.length; i++) expect(all[i]!.globalStart).toBe(all[i - 1]!.globalStart + all[i - 1]!.length)
    expect(logs.ends().stdout).toBe(37_000)
  })

  it('splits one big chunk at line boundaries into many segments', async () => {
    const {dir, logs} = await openLogs({maxSize: 1000, keep: 1000})
    writeRaw(dir, 'stdout', numberedLines('s', 0, 1000, 50))
    await logs.pump()
    const slots = slotsOnDisk(dir, 'stdout')
    expect(slots.length).toBe(50)
    for (const slot of slots) {
      const text = segmentBytes(dir, 'stdout', slot).toString()
      if (slot > 0) expect(text.length).toBe(1000)
      expect(text.endsWith('\n') || text === '').toBe(true)
    }
    expect(expectNumbered(storedBytes(dir, 'stdout').toString(), 's', 1000)).toBeUndefined()
  })

  it('lets a line longer than max size make a segment bigger, but forces a rotation past 2 × max + 1 MiB', async () => {
    const {dir, logs} = await openLogs({maxSize: 1000, keep: 10})
    const huge = Buffer.alloc(3 * 1024 * 1024, 'h')
    writeRaw(dir, 'stdout', Buffer.concat([Buffer.from('short\n'), huge, Buffer.from('\nafter\n')]))
    await logs.pump()
    const sizes = slotsOnDisk(dir, 'stdout').reverse().map((slot) => segmentBytes(dir, 'stdout', slot).length)
    for (const size of sizes) expect(size).toBeLessThanOrEqual(2 * 1000 + 1024 * 1024)
    expect(sizes.length).toBeGreaterThanOrEqual(3)
    expect(storedBytes(dir, 'stdout').length).toBe(6 + huge.length + 7)
  })

  it('publishes lines on the bus only while someone listens, starting at a line boundary', async () => {
    let clock = 5
    const {dir, logs} = await openLogs({now: () => clock})
    writeRaw(dir, 'stdout', 'before\nhalf')
    await logs.pump()
    const seen: Array<{stream: string; line: string; time: number}> = []
    const unsubscribe = logs.bus.subscribe((line) => seen.push(line))
    clock = 7
    writeRaw(dir, 'stdout', ' of a line\nwhole\r\nthen ✓')
    writeRaw(dir, 'stderr', 'err line\n')
    await logs.pump()
    writeRaw(dir, 'stdout', ' done\n')
    await logs.pump()
    unsubscribe()
    writeRaw(dir, 'stdout', 'unheard\n')
    await logs.pump()
    // Each chunk's stamp is its time, made unique: 7, then a thousandth of a millisecond more each time.
    expect(seen.map((l) => ({...l, time: Math.floor(l.time)}))).toEqual([
      {stream: 'stdout', line: 'whole', time: 7},
      {stream: 'stderr', line: 'err line', time: 7},
      {stream: 'stdout', line: 'then ✓ done', time: 7},
    ])
    expect(seen[2]!.time).toBeGreaterThan(seen[0]!.time)
  })

  it('tells onStored listeners the new end cursor of each stored chunk', async () => {
    const {dir, logs} = await openLogs()
    const told: Array<[string, number]> = []
    logs.onStored(({stream, end}) => told.push([stream, end]))
    writeRaw(dir, 'stderr', 'abc\n')
    await logs.pump()
    writeRaw(dir, 'stderr', 'de\n')
    await logs.pump()
    expect(told).toEqual([
      ['stderr', 4],
      ['stderr', 7],
    ])
  })

  it('coalesces concurrent pumps, each resolving after the data written before it', async () => {
    const {dir, logs} = await openLogs()
    const pumps: Array<Promise<void>> = []
    for (let i = 0; i < 20; i++) {
      writeRaw(dir, 'stdout', numberedLines('c', i * 1000, 1000))
      const expected = (i + 1) * 1000 * 40
      pumps.push(logs.pump().then(() => expect(logs.ends().stdout).toBeGreaterThanOrEqual(expected)))
    }
    await Promise.all(pumps)
    expect(expectNumbered(storedBytes(dir, 'stdout').toString(), 'c', 20_000)).toBeUndefined()
  })

  it('gives a child append descriptors of the log files', async () => {
    const {dir, logs} = await openLogs()
    const fds = logs.openForChild()
    writeSync(fds.stdout, 'to out\n')
    writeSync(fds.stderr, 'to err\n')
    closeSync(fds.stdout)
    closeSync(fds.stderr)
    await logs.pump()
    expect(storedBytes(dir, 'stdout').toString()).toBe('to out\n')
    expect(storedBytes(dir, 'stderr').toString()).toBe('to err\n')
  })

  it('rejects a max size below one byte', () => {
    expect(() => new InstanceLogs('/nonexistent', {maxSize: 0, keep: 1})).toThrow(/max size/)
  })
})
