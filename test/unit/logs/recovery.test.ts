// Exactly-once across daemon deaths: whatever point a kill -9 interrupts —
// in the middle of an index record, before indexing what the child wrote, in
// the middle of a rotation — the next InstanceLogs on the same directory
// indexes every byte the child wrote once, in order.
import {execFileSync} from 'node:child_process'
import {appendFileSync, existsSync, readFileSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'
import {InstanceLogs, readLastLines, readLinesFrom} from '../../../src/daemon/logs/index.js'
import {encodeRecord, RECORD_SIZE} from '../../../src/daemon/logs/index-record.js'
import {indexPath, logPath, nextIndexPath} from '../../../src/daemon/logs/layout.js'
import {makeTempDir, rawPath, numberedLines, readIndex, slotsOnDisk, storedBytes, writeRaw} from '../../fixtures/logs/store-files.js'
import {deadline} from '../../helpers/deadline.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(): string {
  const temp = makeTempDir()
  cleanups.push(temp.remove)
  return temp.dir
}

async function session(dir: string, options: {maxSize?: number; keep?: number} = {}): Promise<InstanceLogs> {
  const logs = new InstanceLogs(dir, {maxSize: options.maxSize ?? 1024 * 1024, keep: options.keep ?? 5})
  cleanups.push(() => logs.close())
  await logs.open()
  return logs
}

function raw(dir: string): Buffer {
  return readFileSync(rawPath(dir, 'stdout'))
}

describe('recovery after a crash while indexing a chunk', () => {
  for (const [label, damage] of [
    ['half an index record', (dir: string) => appendFileSync(indexPath(dir, 'stdout', 0), Buffer.alloc(RECORD_SIZE / 2, 7))],
    ['the record not begun', () => {}],
  ] as const) {
    it(`stores every line once: ${label}`, async () => {
      const dir = tempDir()
      const first = await session(dir)
      writeRaw(dir, 'stdout', numberedLines('k', 0, 100))
      await first.pump()
      await first.close()
      // The child goes on writing while no daemon runs; the dead daemon had begun storing it.
      writeRaw(dir, 'stdout', numberedLines('k', 100, 100))
      damage(dir)
      const second = await session(dir)
      expect(second.ends().stdout).toBe(100 * 40)
      await second.pump()
      expect(storedBytes(dir, 'stdout').equals(raw(dir))).toBe(true)
      const records = readIndex(dir, 'stdout', 0)
      expect(records.map((r) => [r.globalStart, r.rawStart, r.length])).toEqual([
        [0, 0, 4000],
        [4000, 4000, 4000],
      ])
    })
  }

  it('resumes after a clean stop, with output written meanwhile', async () => {
    const dir = tempDir()
    const first = await session(dir)
    writeRaw(dir, 'stdout', 'one\n')
    writeRaw(dir, 'stderr', 'e1\n')
    await first.pump()
    await first.close()
    writeRaw(dir, 'stdout', 'two\nthr')
    writeRaw(dir, 'stderr', 'e2\n')
    const second = await session(dir)
    await second.open() // idempotent
    await second.pump()
    writeRaw(dir, 'stdout', 'ee\n')
    await second.pump()
    expect(storedBytes(dir, 'stdout').toString()).toBe('one\ntwo\nthree\n')
    expect(storedBytes(dir, 'stderr').toString()).toBe('e1\ne2\n')
  })
})

describe('cursors across a daemon restart', () => {
  it('a follower continues exactly where it was, across rotations and a crash', async () => {
    const dir = tempDir()
    const first = await session(dir, {maxSize: 500, keep: 50})
    writeRaw(dir, 'stdout', numberedLines('c', 0, 30))
    await first.pump()
    const before = await readLinesFrom(dir, 'stdout', 0, 600)
    await first.close()
    // The dead daemon had begun indexing the next chunk.
    writeRaw(dir, 'stdout', numberedLines('c', 30, 30))
    appendFileSync(indexPath(dir, 'stdout', 0), encodeRecord({globalStart: 1200, rawStart: 1200, length: 1200, timeMs: 1}).subarray(0, 20))
    const second = await session(dir, {maxSize: 500, keep: 50})
    await second.pump()
    const seen = before.lines.map((line) => line.bytes.toString().split(' ')[1])
    for (let cursor = before.next; ; ) {
      const {lines, next, skipped} = await readLinesFrom(dir, 'stdout', cursor, 333)
      expect(skipped).toBe(0)
      if (lines.length === 0) break
      seen.push(...lines.map((line) => line.bytes.toString().split(' ')[1]))
      cursor = next
    }
    expect(seen).toEqual(Array.from({length: 60}, (_, i) => String(i).padStart(9, '0')))
  })
})

describe('recovery after a crash in the middle of a rotation', () => {
  const keep = 3
  // The file operations of one rotation with keep 3 and slots 0…3 present, in the order they happen (rotation.ts).
  const steps = (dir: string): Array<() => void> => {
    const idx = (slot: number) => indexPath(dir, 'stdout', slot)
    const log = (slot: number) => logPath(dir, 'stdout', slot)
    const next = nextIndexPath(dir, 'stdout')
    const end = readIndex(dir, 'stdout', 0).at(-1)!
    return [
      () => writeFileSync(next, encodeRecord({globalStart: end.globalStart + end.length, rawStart: end.rawStart + end.length, length: 0, timeMs: end.timeMs})),
      () => unlinkSync(idx(3)),
      () => unlinkSync(log(3)),
      ...[2, 1, 0].flatMap((slot) => [() => renameSync(idx(slot), idx(slot + 1)), () => renameSync(log(slot), log(slot + 1))]),
      () => renameSync(next, idx(0)),
    ]
  }

  for (let crashAfter = 0; crashAfter <= 10; crashAfter++) {
    it(`loses and repeats nothing, and keeps each log with its index, when killed after step ${crashAfter} of 10`, async () => {
      const dir = tempDir()
      const first = await session(dir, {maxSize: 400, keep})
      // 400 bytes a pump fill a segment exactly; it rotates when the next bytes come.
      for (let i = 0; i < 4; i++) {
        writeRaw(dir, 'stdout', numberedLines('m', i * 10, 10))
        await first.pump()
      }
      await first.close()
      expect(slotsOnDisk(dir, 'stdout')).toEqual([0, 1, 2, 3])
      for (const step of steps(dir).slice(0, crashAfter)) step()
      writeRaw(dir, 'stdout', numberedLines('m', 40, 10))
      const second = await session(dir, {maxSize: 400, keep})
      await second.pump()
      expect(second.ends().stdout).toBe(2000)
      // Segments 1…3 and the current one: the newest 1600 bytes, exactly, and the plain files say the same.
      const kept = storedBytes(dir, 'stdout')
      expect(kept.toString()).toBe(numberedLines('m', 10, 40))
      const plain = [3, 2, 1, 0].map((slot) => readFileSync(logPath(dir, 'stdout', slot), 'utf8')).join('')
      expect(plain).toBe(kept.toString())
      expect(slotsOnDisk(dir, 'stdout')).toEqual([0, 1, 2, 3])
      expect(existsSync(nextIndexPath(dir, 'stdout'))).toBe(false)
    })
  }
})

describe('keep', () => {
  it('with keep 0 drops rotated data but remembers where it was', async () => {
    const dir = tempDir()
    const first = await session(dir, {maxSize: 100, keep: 0})
    writeRaw(dir, 'stdout', numberedLines('z', 0, 10, 20))
    await first.pump()
    writeRaw(dir, 'stdout', numberedLines('z', 10, 3, 20))
    await first.pump()
    expect(slotsOnDisk(dir, 'stdout')).toEqual([0])
    expect(storedBytes(dir, 'stdout').toString()).toBe(numberedLines('z', 10, 3, 20))
    await first.close()
    // A crash right after a rotation replaced the index: it says only where the next segment starts.
    writeFileSync(indexPath(dir, 'stdout', 0), encodeRecord({globalStart: 260, rawStart: 260, length: 0, timeMs: 1}))
    writeRaw(dir, 'stdout', numberedLines('z', 13, 2, 20))
    const second = await session(dir, {maxSize: 100, keep: 0})
    expect(second.ends().stdout).toBe(260)
    await second.pump()
    expect(storedBytes(dir, 'stdout').toString()).toBe(numberedLines('z', 13, 2, 20))
    expect(second.ends().stdout).toBe(300)
  })

  it('with keep 0 finishes a rotation that had only prepared its next index', async () => {
    const dir = tempDir()
    const first = await session(dir, {maxSize: 100, keep: 0})
    writeRaw(dir, 'stdout', numberedLines('y', 0, 5, 20))
    await first.pump()
    await first.close()
    writeFileSync(`${indexPath(dir, 'stdout', 0)}.new`, encodeRecord({globalStart: 100, rawStart: 100, length: 0, timeMs: 1}))
    writeRaw(dir, 'stdout', numberedLines('y', 5, 1, 20))
    const second = await session(dir, {maxSize: 100, keep: 0})
    await second.pump()
    expect(existsSync(`${indexPath(dir, 'stdout', 0)}.new`)).toBe(false)
    expect(storedBytes(dir, 'stdout').toString()).toBe(numberedLines('y', 5, 1, 20))
    expect(second.ends().stdout).toBe(120)
  })

  it('drops rotated segments beyond a lowered keep, remembering the position through an empty current segment', async () => {
    const dir = tempDir()
    const first = await session(dir, {maxSize: 100, keep: 5})
    for (let i = 0; i < 6; i++) {
      writeRaw(dir, 'stdout', numberedLines('q', i * 5, 5, 20))
      await first.pump()
    }
    await first.close()
    // As after a crash right after shifting the segments: no current segment yet, its next index prepared.
    writeFileSync(nextIndexPath(dir, 'stdout'), encodeRecord({globalStart: 600, rawStart: 600, length: 0, timeMs: 1}))
    rmSync(indexPath(dir, 'stdout', 5))
    rmSync(logPath(dir, 'stdout', 5))
    for (let slot = 4; slot >= 0; slot--) {
      renameSync(indexPath(dir, 'stdout', slot), indexPath(dir, 'stdout', slot + 1))
      renameSync(logPath(dir, 'stdout', slot), logPath(dir, 'stdout', slot + 1))
    }
    expect(slotsOnDisk(dir, 'stdout')).toEqual([1, 2, 3, 4, 5])
    const second = await session(dir, {maxSize: 100, keep: 1})
    expect(slotsOnDisk(dir, 'stdout')).toEqual([0, 1])
    await second.close()
    const third = await session(dir, {maxSize: 100, keep: 1})
    expect(third.ends().stdout).toBe(600)
  })
})

describe('log files changed behind the store', () => {
  it('goes on after the spool was truncated by hand: what was copied stays, positions go on growing', async () => {
    const dir = tempDir()
    const logs = await session(dir, {maxSize: 4, keep: 3})
    writeRaw(dir, 'stdout', 'first\nsecond\n')
    await logs.pump()
    expect(slotsOnDisk(dir, 'stdout')).toEqual([0, 1])
    truncateSync(rawPath(dir, 'stdout'), 0)
    writeRaw(dir, 'stdout', 'x\n')
    await logs.pump()
    await logs.pump()
    expect(storedBytes(dir, 'stdout').toString()).toBe('first\nsecond\nx\n')
    expect(logs.ends().stdout).toBe(15)
    const {lines} = await readLinesFrom(dir, 'stdout', 13)
    expect(lines.map((line) => line.bytes.toString())).toEqual(['x'])
    // The spool's positions went on too: a restart resumes after `x`.
    await logs.close()
    writeRaw(dir, 'stdout', 'y\n')
    const again = await session(dir, {maxSize: 4, keep: 3})
    await again.pump()
    expect(storedBytes(dir, 'stdout').toString()).toBe('first\nsecond\nx\ny\n')
  })

  it('follows a spool recreated for a new child after the old one was removed, losing nothing the old one held', async () => {
    const dir = tempDir()
    const logs = await session(dir)
    writeRaw(dir, 'stdout', 'old\n')
    await logs.pump()
    writeRaw(dir, 'stdout', 'old tail\n')
    unlinkSync(rawPath(dir, 'stdout'))
    const fds = logs.openForChild()
    const {writeSync, closeSync} = await import('node:fs')
    writeSync(fds.stdout, 'new\n')
    closeSync(fds.stdout)
    closeSync(fds.stderr)
    await logs.pump()
    expect(storedBytes(dir, 'stdout').toString()).toBe('old\nold tail\nnew\n')
    expect(logs.ends().stdout).toBe(17)
    expect(statSync(rawPath(dir, 'stdout')).size).toBe(4)
  })
})

describe('a log directory of the layout before spools', () => {
  it('is migrated once: the old out.log becomes the spool (a child still writing follows it), the kept bytes are copied into plain files at their old positions', async () => {
    const dir = tempDir()
    const {mkdirSync, openSync, writeSync, closeSync} = await import('node:fs')
    mkdirSync(dir, {recursive: true, mode: 0o700})
    // The old layout: the child wrote out.log; a dropped segment was punched (zeros); out.idx.1 and out.idx point into it.
    const child = openSync(`${dir}/out.log`, 'a')
    writeSync(child, Buffer.concat([Buffer.alloc(400), Buffer.from(numberedLines('o', 10, 25))]))
    writeFileSync(indexPath(dir, 'stdout', 1), encodeRecord({globalStart: 400, rawStart: 400, length: 400, timeMs: 5}))
    writeFileSync(indexPath(dir, 'stdout', 0), Buffer.concat([encodeRecord({globalStart: 800, rawStart: 800, length: 400, timeMs: 6}), encodeRecord({globalStart: 1200, rawStart: 1200, length: 200, timeMs: 7})]))
    // Readable as it is before any store opens it (offline `mar logs` right after an upgrade): what the indexes describe.
    const before = await readLastLines(dir, 'stdout', {limit: 100})
    expect(before.map((line) => `${line.bytes.toString()}\n`).join('')).toBe(numberedLines('o', 10, 25))
    expect(before[0]!.end).toBe(440)
    // The child goes on while no daemon runs (the last 200 bytes above are not indexed yet).
    const logs = await session(dir, {maxSize: 1024 * 1024, keep: 5})
    writeSync(child, numberedLines('o', 35, 5))
    closeSync(child)
    await logs.pump()
    // Everything kept before (from 400 on) and everything after, once, in one plain file with no NUL.
    expect(readFileSync(`${dir}/out.log`, 'latin1')).toBe(numberedLines('o', 10, 30))
    expect(storedBytes(dir, 'stdout').toString()).toBe(numberedLines('o', 10, 30))
    expect(logs.ends().stdout).toBe(1600)
    const {lines} = await readLinesFrom(dir, 'stdout', 1200)
    expect(lines.map((line) => line.bytes.toString().split(' ')[1])).toEqual(['000000030', '000000031', '000000032', '000000033', '000000034', '000000035', '000000036', '000000037', '000000038', '000000039'])
    expect(existsSync(indexPath(dir, 'stdout', 1))).toBe(false)
    expect(readFileSync(rawPath(dir, 'stdout')).length).toBe(1600)
    // Once: a second store on the directory finds the new layout.
    await logs.close()
    const again = await session(dir, {maxSize: 1024 * 1024, keep: 5})
    await again.pump()
    expect(storedBytes(dir, 'stdout').toString()).toBe(numberedLines('o', 10, 30))
  })
})

describe('a collapse step cut short (its helper killed between the collapse and recording the base)', () => {
  for (const collapsed of [true, false]) {
    it(`finds the true base from the bytes copied last: collapse ${collapsed ? 'done' : 'not done'}`, async () => {
      const dir = tempDir()
      const first = await session(dir, {maxSize: 1024 * 1024, keep: 5})
      writeRaw(dir, 'stdout', numberedLines('h', 0, 300, 100)) // 30 000 bytes: below the reclaim threshold, nothing collapsed yet
      await first.pump()
      await first.close()
      const spoolDir = first.spoolDir
      // The helper's step: the marker with the next base, then (or not) the collapse; killed before the rename.
      writeFileSync(`${spoolDir}/out.base.tmp`, '8192\n')
      if (collapsed) execFileSync('fallocate', ['-c', '-o', '0', '-l', '8192', rawPath(dir, 'stdout')])
      writeRaw(dir, 'stdout', numberedLines('h', 300, 10, 100))
      const second = await session(dir, {maxSize: 1024 * 1024, keep: 5})
      await second.pump()
      expect(storedBytes(dir, 'stdout').toString()).toBe(numberedLines('h', 0, 310, 100))
      expect(readFileSync(`${spoolDir}/out.base`, 'utf8')).toBe(collapsed ? '8192\n' : '0\n')
      expect(existsSync(`${spoolDir}/out.base.tmp`)).toBe(false)
    }, deadline(15_000))
  }
})
