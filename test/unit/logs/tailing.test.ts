// Tailing without explicit pumps, closing, readers of a missing store, and
// the helper that gives back spool space (collapse, punch, a missing fallocate).
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {InstanceLogs, readLastLines, readLinesFrom} from '../../../src/daemon/logs/index.js'
import {reclaimHelperPids, SpoolReclaimer, stopReclaimHelpers} from '../../../src/daemon/logs/spool-reclaim.js'
import {waitFor} from '../../helpers/wait.js'
import {makeTempDir, numberedLines, storedBytes, writeRaw} from '../../fixtures/logs/store-files.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(() => stopReclaimHelpers())

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

describe('SpoolReclaimer', () => {
  it('gives up quietly where fallocate is missing', async () => {
    const reclaimer = new SpoolReclaimer('mar-no-such-fallocate')
    expect(reclaimer.usable).toBe(true)
    expect(await reclaimer.punch('/dev/null', 1 << 20)).toBe('missing')
    expect(reclaimer.usable).toBe(false)
    expect(await reclaimer.collapse('/dev/null', 1 << 20, 1, '/dev/null')).toBe('missing')
  })

  it('collapses the front of a file and records the new base in the same step', async () => {
    const dir = tempDir()
    mkdirSync(dir, {recursive: true})
    const file = `${dir}/spool`
    writeFileSync(file, Buffer.concat([Buffer.alloc(8192, 97), Buffer.from('kept\n')]))
    const reclaimer = new SpoolReclaimer()
    expect(await reclaimer.collapse(file, 8192, 8192 + 100, `${dir}/base`)).toBe('ok')
    expect(readFileSync(file, 'utf8')).toBe('kept\n')
    expect(readFileSync(`${dir}/base`, 'utf8')).toBe('8292\n')
    expect(statSync(`${dir}/base`).mode & 0o777).toBe(0o600)
  })

  it('starts a new helper when the old one died, and keeps going', async () => {
    const dir = tempDir()
    mkdirSync(dir, {recursive: true})
    const file = `${dir}/raw`
    writeFileSync(file, Buffer.alloc(1 << 20, 120))
    const reclaimer = new SpoolReclaimer()
    expect(await reclaimer.punch(file, 1 << 19)).toBe('ok')
    const [helper] = reclaimHelperPids()
    expect(helper).toBeGreaterThan(0)
    process.kill(helper!, 'SIGKILL')
    await waitFor('the helper shell to be gone', () => !reclaimHelperPids().includes(helper!))
    expect(await reclaimer.punch(file, 1 << 20)).toBe('ok')
    expect(reclaimer.usable).toBe(true)
    expect(reclaimHelperPids()).not.toContain(helper)
  })

  it('a helper dying with a request pending is not a refusal: the next request tries again, up to 3 deaths', async () => {
    const dir = tempDir()
    mkdirSync(dir, {recursive: true})
    // A fake fallocate that notes each run, then kills the helper shell running it.
    const killer = `${dir}/killer`
    const runs = `${dir}/runs`
    writeFileSync(killer, `#!/bin/sh\necho run >> '${runs}'\nkill -9 $PPID\n`, {mode: 0o755})
    const reclaimer = new SpoolReclaimer(killer)
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(await reclaimer.collapse(`${dir}/raw`, 1 << 20, 1 << 20, `${dir}/base${attempt}`)).toBe('lost')
      // A step cut short leaves its marker (the base it meant to record): a new daemon settles it (spool.ts).
      expect(readFileSync(`${dir}/base${attempt}.tmp`, 'utf8')).toBe(`${1 << 20}\n`)
      expect(reclaimer.usable).toBe(true)
      expect(readFileSync(runs, 'utf8').trim().split('\n')).toHaveLength(attempt)
    }
    expect(await reclaimer.collapse(`${dir}/raw`, 1 << 20, 1 << 20, `${dir}/base3`)).toBe('lost')
    expect(reclaimer.usable).toBe(false)
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toHaveLength(3)
  })

  it('answers fail where the file system refuses, and writes no base then', async () => {
    const dir = tempDir()
    mkdirSync(dir, {recursive: true})
    writeFileSync(`${dir}/short`, 'abc')
    const reclaimer = new SpoolReclaimer()
    // A collapse may not reach the end of the file.
    expect(await reclaimer.collapse(`${dir}/short`, 4096, 4096, `${dir}/base`)).toBe('fail')
    expect(existsSync(`${dir}/base`)).toBe(false)
    expect(reclaimer.usable).toBe(true)
  })
})
