// Real children writing straight into their spools while the store tails
// them and copies them into plain log files: every line stored once and in
// order, lines on the bus for probes, and the spool's space given back.
import {spawn, type ChildProcess} from 'node:child_process'
import {closeSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {InstanceLogs, readLastLines, stopReclaimHelpers} from '../../../src/daemon/logs/index.js'
import {rawPath} from '../../fixtures/logs/store-files.js'
import {expectNumbered, makeTempDir, storedBytes} from '../../fixtures/logs/store-files.js'
import {killQuietly, waitFor} from '../../helpers/wait.js'

const flood = join(import.meta.dirname, '../../fixtures/bin/flood.mjs')
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(() => stopReclaimHelpers())

async function tailed(options: {maxSize?: number; keep?: number} = {}) {
  const temp = makeTempDir()
  cleanups.push(temp.remove)
  const errors: Error[] = []
  const logs = new InstanceLogs(temp.dir, {maxSize: options.maxSize ?? 10 * 1024 * 1024, keep: options.keep ?? 5, onError: (e) => errors.push(e)})
  cleanups.push(() => logs.close())
  await logs.open()
  logs.startTailing(100)
  cleanups.push(() => expect(errors).toEqual([]))
  return {dir: temp.dir, logs}
}

/** Spawn a child writing to the store's log files, as the daemon does, and close our copies. */
function spawnInto(logs: InstanceLogs, argv: string[]): {child: ChildProcess; exited: Promise<number | null>} {
  const fds = logs.openForChild()
  const child = spawn(argv[0]!, argv.slice(1), {stdio: ['ignore', fds.stdout, fds.stderr]})
  closeSync(fds.stdout)
  closeSync(fds.stderr)
  cleanups.push(() => killQuietly(child.pid!))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {child, exited}
}

describe('capture from real children', () => {
  it('stores each of 200 000 lines once, in order, while tailing, and hands them to a listener', async () => {
    const {dir, logs} = await tailed({maxSize: 4 * 1024 * 1024, keep: 10})
    let heard = 0
    let misheard = 0
    logs.bus.subscribe(({line, stream}) => {
      if (stream !== 'stdout' || !line.startsWith(`fl ${String(heard).padStart(9, '0')} `)) misheard++
      heard++
    })
    const {exited} = spawnInto(logs, [process.execPath, flood, '200000', 'fl', '99'])
    expect(await exited).toBe(0)
    await waitFor('every byte stored', () => logs.ends().stdout === 200_000 * 100, 20_000)
    expect(expectNumbered(storedBytes(dir, 'stdout').toString('latin1'), 'fl', 200_000)).toBeUndefined()
    expect([heard, misheard]).toEqual([200_000, 0])
    expect(logs.ends().stderr).toBe(0)
  })

  it('keeps stdout and stderr apart, with times, as they come', async () => {
    const {dir, logs} = await tailed()
    const script = 'echo out-1; echo err-1 >&2; sleep 0.2; echo out-2; printf "err-partial" >&2'
    const before = Date.now()
    const {exited} = spawnInto(logs, ['/bin/sh', '-c', script])
    expect(await exited).toBe(0)
    await waitFor('both streams stored', () => logs.ends().stdout === 12 && logs.ends().stderr === 17)
    const out = await readLastLines(dir, 'stdout', {limit: 10})
    const err = await readLastLines(dir, 'stderr', {limit: 10, includePartial: true})
    expect(out.map((l) => l.bytes.toString())).toEqual(['out-1', 'out-2'])
    expect(err.map((l) => l.bytes.toString())).toEqual(['err-1', 'err-partial'])
    for (const line of [...out, ...err]) expect(line.time).toBeGreaterThanOrEqual(before)
    expect(out[1]!.time - out[0]!.time).toBeGreaterThanOrEqual(150)
  })

  it('keeps storing across restarts of the instance (new children on the same log files)', async () => {
    const {dir, logs} = await tailed({maxSize: 64 * 1024, keep: 100})
    for (let run = 0; run < 3; run++) {
      const {exited} = spawnInto(logs, [process.execPath, flood, '3000', `run${run}`, '99'])
      expect(await exited).toBe(0)
    }
    await waitFor('all runs stored', () => logs.ends().stdout === 9000 * 100)
    const text = storedBytes(dir, 'stdout').toString('latin1')
    for (let run = 0; run < 3; run++) expect(expectNumbered(text.slice(run * 300_000, (run + 1) * 300_000), `run${run}`, 3000)).toBeUndefined()
  })

  it('gives back the spool as it copies: its blocks stay far below what was written, the kept tail reads whole', async () => {
    const maxSize = 256 * 1024
    const {logs, dir} = await tailed({maxSize, keep: 1})
    const {exited} = spawnInto(logs, [process.execPath, flood, '80000', 'ph', '99'])
    expect(await exited).toBe(0)
    const size = 80_000 * 100
    await waitFor('every byte stored', () => logs.ends().stdout === size)
    // Collapsed 1 MiB at a time (whole blocks), so at most that and a block are left behind.
    await waitFor('the copied spool collapsed', () => statSync(rawPath(dir, 'stdout')).size <= 1024 * 1024 + 4096)
    expect(statSync(rawPath(dir, 'stdout')).blocks * 512).toBeLessThanOrEqual(1024 * 1024 + 2 * 4096)
    for (const name of ['out.log', 'out.log.1']) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(maxSize + 100)
    const kept = storedBytes(dir, 'stdout').toString('latin1')
    expect(kept.length).toBeGreaterThanOrEqual(maxSize)
    expect(kept.indexOf('ph ')).toBe(0)
    expect(kept.endsWith(`ph ${String(79_999).padStart(9, '0')} ${'x'.repeat(99 - 13)}\n`)).toBe(true)
  })
})
