// The ordered reader behind `logs --after` and `logs -f`: lines come by
// stamp across sources, a stamp still being written holds back every later
// one, and a reader positioned after a cursor starts exactly there.
import {afterEach, describe, expect, it} from 'vitest'
import {LogReader, type Source} from '../../../src/daemon/log-reader.js'
import {InstanceLogs, lineText} from '../../../src/daemon/logs/index.js'
import {StampClock} from '../../../src/daemon/logs/stamp-clock.js'
import {makeTempDir, writeRaw} from '../../fixtures/logs/store-files.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function instance(name: string, stamps: StampClock) {
  const temp = makeTempDir()
  cleanups.push(temp.remove)
  const logs = new InstanceLogs(temp.dir, {maxSize: 1024 * 1024, keep: 5, stamps})
  cleanups.push(() => logs.close())
  await logs.open()
  const source: Source = {stack: 's', instance: name, stream: 'stdout', host: 'local', dir: temp.dir}
  return {source, write: async (text: string) => (writeRaw(temp.dir, 'stdout', text), logs.pump())}
}

async function drain(reader: LogReader): Promise<string[]> {
  const out: string[] = []
  for (let step = await reader.step(); step; step = await reader.step()) for (const {source, line} of step.lines) out.push(`${source.instance} ${lineText(line.bytes)}`)
  return out
}

describe('the ordered log reader', () => {
  it('hands lines out by stamp across sources, and holds back what comes after a stamp still being written', async () => {
    let time = 1000
    const stamps = new StampClock(() => time)
    const a = await instance('a', stamps)
    const b = await instance('b', stamps)
    const reader = new LogReader(stamps, {stamp: 0})
    await reader.add(a.source)
    await reader.add(b.source)
    await a.write('a1\n')
    time = 1001
    await b.write('b1\n')
    time = 1002
    await a.write('a2\n')
    expect(await drain(reader)).toEqual(['a a1', 'b b1', 'a a2'])
    // A chunk of a is being written (its stamp issued, not done) while b's later one is stored.
    const slow = stamps.issue()
    time = 1003
    await b.write('b2\n')
    reader.stored(b.source) // as the daemon tells its readers of every stored chunk
    expect(await reader.step()).toBeNull()
    expect(reader.blocked).toBe('pending')
    stamps.done(slow)
    expect(await drain(reader)).toEqual(['b b2'])
  })

  it('a reader after a line of one source starts right after it there, and after its stamp elsewhere', async () => {
    let time = 2000
    const stamps = new StampClock(() => time)
    const a = await instance('a', stamps)
    const b = await instance('b', stamps)
    await a.write('a1\na2\n')
    time = 2001
    await b.write('b1\n')
    time = 2002
    await a.write('a3\n')
    const all = new LogReader(stamps, {stamp: 0})
    await all.add(a.source)
    await all.add(b.source)
    const first = await all.step()
    const afterA1 = first!.lines[0]!.line
    const resumed = new LogReader(stamps, {stamp: afterA1.time, at: {stack: 's', instance: 'a', stream: 'stdout', end: afterA1.end}})
    await resumed.add(a.source)
    await resumed.add(b.source)
    expect(await drain(resumed)).toEqual(['a a2', 'b b1', 'a a3'])
  })
})
