// kill -9 of the daemon while a service floods its output: the service never
// notices (it writes its spool itself), and the next daemon copies what the
// dead one had not, so every line is kept exactly once and in order — in the
// plain files too, rotations included.
// The daemon here is a plain Node process running the bundled log store.
import {spawn} from 'node:child_process'
import {constants, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {buildStore} from '../../fixtures/logs/build-store.mjs'
import {lineReader} from '../../fixtures/logs/capture-bench.mjs'
import {expectNumbered, rawPath, storedBytes} from '../../fixtures/logs/store-files.js'
import {defaultSpoolDir} from '../../../src/daemon/logs/layout.js'
import {indexedBytes} from '../../fixtures/logs/stored-stream.mjs'
import {isAlive, killQuietly, waitFor} from '../../helpers/wait.js'
import {deadline} from '../../helpers/deadline.js'

const fixtures = join(import.meta.dirname, '../../fixtures')
let root = ''
let bundle = ''
const pids: number[] = []

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mar-crash-'))
  bundle = await buildStore(root)
})
afterEach(() => {
  for (const pid of pids.splice(0)) killQuietly(pid)
})
afterAll(() => rmSync(root, {recursive: true, force: true}))

/** Bytes the store's stdout segments hold. */
const storedSize = (dir: string): number => indexedBytes(dir)

async function startDaemon(dir: string, expectBytes: number) {
  const daemon = spawn(process.execPath, [join(fixtures, 'logs/tail-daemon.mjs'), bundle, String(1024 * 1024), '100', String(expectBytes), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  pids.push(daemon.pid!)
  const next = lineReader(daemon)
  expect(await next()).toBe('ready')
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()))
  return {daemon, next, exited}
}

describe('daemon killed with -9 mid-flood', () => {
  it('loses and repeats no line, and the writer never notices', async () => {
    const dir = join(root, 'stack', 'flood.1')
    mkdirSync(dir, {recursive: true, mode: 0o700})
    const lines = 500_000
    const total = lines * 100
    // The daemon's spawn: the spool opened O_APPEND, given to the child, our copy closed.
    mkdirSync(defaultSpoolDir(dir), {recursive: true, mode: 0o700})
    const out = openSync(rawPath(dir, 'stdout'), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600)
    const writer = spawn(process.execPath, [join(fixtures, 'bin/flood.mjs'), String(lines), 'k9', '99'], {stdio: ['ignore', out, 'ignore']})
    closeSync(out)
    pids.push(writer.pid!)
    const writerExit = new Promise<number | null>((resolve) => writer.once('exit', (code) => resolve(code)))

    let kills = 0
    let killedWhileWriting = 0
    while (kills < 12) {
      const {daemon, exited} = await startDaemon(dir, 0)
      const target = storedSize(dir) + Math.floor(Math.random() * 3 * 1024 * 1024)
      await waitFor('the daemon to store more', () => storedSize(dir) >= Math.min(target, total), 20_000, 1)
      if (isAlive(writer.pid!)) killedWhileWriting++
      daemon.kill('SIGKILL')
      await exited
      kills++
      if (storedSize(dir) >= total) break
    }
    expect(await writerExit).toBe(0)
    expect(killedWhileWriting).toBeGreaterThan(0)

    const last = await startDaemon(dir, total)
    expect(await last.next()).toMatch(/^caught-up /)
    last.daemon.kill('SIGTERM')
    await last.exited
    expect(expectNumbered(storedBytes(dir, 'stdout').toString('latin1'), 'k9', lines)).toBeUndefined()
    // keep 100 holds it all: the plain files, concatenated oldest first, are the stream.
    const plain = readdirSync(dir)
      .filter((name) => /^out\.log(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b.split('.')[2] ?? 0) - Number(a.split('.')[2] ?? 0))
      .map((name) => readFileSync(join(dir, name), 'latin1'))
      .join('')
    expect(expectNumbered(plain, 'k9', lines)).toBeUndefined()

  }, deadline(120_000))
})
