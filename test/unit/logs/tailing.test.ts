// Tailing without explicit pumps, closing, readers of a missing store, and
// a hole puncher without fallocate.
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {InstanceLogs, readLastLines, readLinesFrom} from '../../../src/daemon/logs/index.js'
import {HolePuncher, punchHelperPids, stopHolePunchers} from '../../../src/daemon/logs/punch.js'
import {waitFor} from '../../helpers/wait.js'
import {makeTempDir, numberedLines, storedBytes, writeRaw} from '../../fixtures/logs/store-files.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(() => stopHolePunchers())

function tempDir(): string {
  const temp = makeTempDir()
  cleanups.push(temp.remove)
  return temp.dir
}

describe('tailing', () => {
  it('wakes on a write through fs.watch, long before the poll', async () => {
    const dir = tempDir()
    const logs = new InstanceLogs(dir, {maxSize: 1024 * 1024, keep: 2})
    cleanups.push(() => logs.close())
    await logs.open()
    logs.startTailing(60_000)
    const stored: number[] = []
    logs.onStored(({end}) => stored.push(end))
    for (let burst = 0; burst < 3; burst++) {
      writeRaw(dir, 'stderr', numberedLines('e', burst * 10, 10))
      await waitFor(`burst ${burst} stored`, () => logs.ends().stderr === (burst + 1) * 400, 5_000)
    }
    expect(stored.at(-1)).toBe(1200)
  })

  it('stops pumping once closed, and does not reopen files', async () => {
    const dir = tempDir()
    const logs = new InstanceLogs(dir, {maxSize: 1024 * 1024, keep: 2})
    await logs.open()
    logs.startTailing(5)
    writeRaw(dir, 'stdout', 'before\n')
    await logs.pump()
    await logs.close()
    writeRaw(dir, 'stdout', 'after\n')
    await logs.pump()
    expect(storedBytes(dir, 'stdout').toString()).toBe('before\n')
    expect(logs.ends().stdout).toBe(7)
    // Reopening resumes where it was.
    await logs.open()
    await logs.pump()
    expect(storedBytes(dir, 'stdout').toString()).toBe('before\nafter\n')
    await logs.close()
  })
})

describe('readers of a store that does not exist', () => {
  it('find no lines and keep the cursor', async () => {
    const dir = `${tempDir()}/never-started`
    expect(await readLastLines(dir, 'stdout', {limit: 10, includePartial: true})).toEqual([])
    expect(await readLinesFrom(dir, 'stderr', 42)).toEqual({lines: [], next: 42, skipped: 0})
  })
})

describe('HolePuncher', () => {
  it('gives up quietly where fallocate is missing', async () => {
    const puncher = new HolePuncher('mar-no-such-fallocate')
    expect(puncher.usable).toBe(true)
    expect(await puncher.punch('/dev/null', 1 << 20)).toBe(false)
    expect(puncher.usable).toBe(false)
    expect(await puncher.punch('/dev/null', 1 << 20)).toBe(false)
  })

  it('starts a new helper when the old one died, and keeps punching', async () => {
    const dir = tempDir()
    mkdirSync(dir, {recursive: true})
    const file = `${dir}/raw`
    writeFileSync(file, Buffer.alloc(1 << 20, 120))
    const puncher = new HolePuncher()
    expect(await puncher.punch(file, 1 << 19)).toBe(true)
    const [helper] = punchHelperPids()
    expect(helper).toBeGreaterThan(0)
    process.kill(helper!, 'SIGKILL')
    await waitFor('the helper shell to be gone', () => !punchHelperPids().includes(helper!))
    expect(await puncher.punch(file, 1 << 20)).toBe(true)
    expect(puncher.usable).toBe(true)
    expect(punchHelperPids()).not.toContain(helper)
  })

  it('a helper dying with a request pending is not a refusal: the next punch tries again, up to 3 deaths', async () => {
    const dir = tempDir()
    mkdirSync(dir, {recursive: true})
    // A stand-in for fallocate that notes each run, then kills the helper shell running it.
    const killer = `${dir}/killer`
    const runs = `${dir}/runs`
    writeFileSync(killer, `#!/bin/sh\necho run >> '${runs}'\nkill -9 $PPID\n`, {mode: 0o755})
    const puncher = new HolePuncher(killer)
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(await puncher.punch(`${dir}/raw`, 1 << 20)).toBe(false)
      expect(puncher.usable).toBe(true)
      expect(readFileSync(runs, 'utf8').trim().split('\n')).toHaveLength(attempt)
    }
    expect(await puncher.punch(`${dir}/raw`, 1 << 20)).toBe(false)
    expect(puncher.usable).toBe(false)
    expect(await puncher.punch(`${dir}/raw`, 1 << 20)).toBe(false)
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toHaveLength(3)
  })

  it('stops trying on a file it cannot punch', async () => {
    const dir = tempDir()
    const puncher = new HolePuncher()
    expect(await puncher.punch(`${dir}/missing-file`, 1 << 20)).toBe(false)
    expect(puncher.usable).toBe(false)
  })
})
