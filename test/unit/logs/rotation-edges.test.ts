// Rotation at its edges: a reader that rotation overtakes keeps reading the
// files it opened; tiny max sizes; readers racing a flood of rotations see
// only whole, real lines.
import {readFileSync} from 'node:fs'
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {InstanceLogs, readLastLines, readLinesFrom, stopReclaimHelpers} from '../../../src/daemon/logs/index.js'
import {logPath} from '../../../src/daemon/logs/layout.js'
import {openSnapshot} from '../../../src/daemon/logs/snapshot.js'
import {makeTempDir, numberedLines, slotsOnDisk, storedBytes, writeRaw} from '../../fixtures/logs/store-files.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(() => stopReclaimHelpers())

async function openLogs(maxSize: number, keep: number) {
  const temp = makeTempDir()
  cleanups.push(temp.remove)
  const logs = new InstanceLogs(temp.dir, {maxSize, keep})
  cleanups.push(() => logs.close())
  await logs.open()
  return {dir: temp.dir, logs}
}

const LINE = /^t \d{9} x+$/

describe('rotation under readers', () => {
  it('a snapshot overtaken by rotations still reads what it saw: its descriptors keep renamed and removed files', async () => {
    // 82 lines of 100 bytes close an 8 KiB segment: one batch, one segment.
    const {dir, logs} = await openLogs(8192, 1)
    for (let batch = 0; batch < 3; batch++) {
      writeRaw(dir, 'stdout', numberedLines('t', batch * 82, 82, 100))
      await logs.pump()
    }
    const snapshot = await openSnapshot(dir, 'stdout')
    cleanups.push(() => snapshot.close())
    const oldest = await snapshot.reach(0)
    expect(oldest).toBe(8200) // the first segment was dropped already
    for (let batch = 3; batch < 6; batch++) {
      writeRaw(dir, 'stdout', numberedLines('t', batch * 82, 82, 100))
      await logs.pump()
    }
    // The segments the snapshot opened are gone from the directory, not from its descriptors.
    expect(readFileSync(logPath(dir, 'stdout', 1), 'latin1').startsWith('t 000000328 ')).toBe(true)
    expect((await snapshot.read(oldest, 100)).toString('latin1')).toMatch(/^t 000000082 x+\n$/)
    const lines = await readLastLines(dir, 'stdout', {limit: 1000})
    expect(lines.length).toBe(164)
    for (const line of lines) expect(line.bytes.toString()).toMatch(LINE)
  })

  it('with max size 1 and keep 2, every line is a segment and the last three are kept', async () => {
    const {dir, logs} = await openLogs(1, 2)
    writeRaw(dir, 'stdout', 'a\nbb\nccc\n')
    await logs.pump()
    writeRaw(dir, 'stdout', 'dddd\nee')
    await logs.pump()
    writeRaw(dir, 'stdout', 'e\n')
    await logs.pump()
    expect(slotsOnDisk(dir, 'stdout')).toEqual([0, 1, 2])
    expect(storedBytes(dir, 'stdout').toString()).toBe('ccc\ndddd\neee\n')
    const lines = await readLastLines(dir, 'stdout', {limit: 10})
    expect(lines.map((line) => line.bytes.toString())).toEqual(['ccc', 'dddd', 'eee'])
  })

  it('followers and tail readers racing a flood of rotations see only whole, real lines, in order', async () => {
    const {dir, logs} = await openLogs(4096, 2)
    let writing = true
    const writer = (async () => {
      for (let batch = 0; batch < 400; batch++) {
        writeRaw(dir, 'stdout', numberedLines('t', batch * 50, 50, 100)) // 5 kB: past max size every batch
        await logs.pump()
      }
      writing = false
    })()
    const bad: string[] = []
    let cursor = 0
    let lastSeen = -1
    while (writing) {
      const {lines, next, skipped} = await readLinesFrom(dir, 'stdout', cursor, 3000)
      for (const line of lines) {
        const text = line.bytes.toString('latin1')
        const seq = Number(text.split(' ')[1])
        // Whole real lines, in order; a follower that fell behind skips what rotated away (and is told), never repeats.
        const inOrder = lastSeen < 0 || seq === lastSeen + 1 || (skipped > 0 && line === lines[0] && seq > lastSeen)
        if (!LINE.test(text) || !inOrder) bad.push(`follow: ${text.slice(0, 40)} after ${lastSeen}`)
        lastSeen = seq
      }
      cursor = next
      for (const line of await readLastLines(dir, 'stdout', {limit: 60})) {
        if (!LINE.test(line.bytes.toString('latin1'))) bad.push(`tail: ${line.bytes.toString('latin1').slice(0, 40)}`)
      }
    }
    await writer
    expect(bad).toEqual([])
    expect(lastSeen).toBeGreaterThan(0)
  })
})
