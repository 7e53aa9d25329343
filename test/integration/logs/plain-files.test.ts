// The log files as other tools see them: real `grep` counts every line and
// never calls them binary, no NUL byte anywhere, apparent sizes bounded by
// max_size × (keep + 1), `cat out.log.K … out.log` is the stream, real
// `tail -F out.log` across rotations prints every line once, and where the
// file system refuses collapse (a fake fallocate, and tmpfs where there is
// one) the spool is punched instead and the plain files are the same.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {closeSync, readdirSync, readFileSync, statSync, existsSync, mkdtempSync, rmSync, accessSync, constants} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {InstanceLogs, stopReclaimHelpers} from '../../../src/daemon/logs/index.js'
import {spoolPath} from '../../../src/daemon/logs/layout.js'
import {expectNumbered, makeTempDir, numberedLines, writeRaw} from '../../fixtures/logs/store-files.js'
import {isAlive, killQuietly, waitFor} from '../../helpers/wait.js'
import {deadline} from '../../helpers/deadline.js'

const fixtures = join(import.meta.dirname, '../../fixtures')
const flood = join(fixtures, 'bin/flood.mjs')
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(() => stopReclaimHelpers())

async function store(options: {maxSize: number; keep: number; fallocate?: string; spoolDir?: string; tail?: boolean}) {
  const temp = makeTempDir()
  cleanups.push(temp.remove)
  const errors: Error[] = []
  const logs = new InstanceLogs(temp.dir, {...options, onError: (e) => errors.push(e)})
  cleanups.push(() => logs.close())
  await logs.open()
  if (options.tail !== false) logs.startTailing(100)
  cleanups.push(() => expect(errors).toEqual([]))
  return {dir: temp.dir, logs}
}

async function floodInto(logs: InstanceLogs, lines: number, tag: string): Promise<void> {
  const fds = logs.openForChild()
  const child = spawn(process.execPath, [flood, String(lines), tag, '99'], {stdio: ['ignore', fds.stdout, fds.stderr]})
  closeSync(fds.stdout)
  closeSync(fds.stderr)
  cleanups.push(() => killQuietly(child.pid!))
  expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0)
  await waitFor('every byte stored', () => logs.ends().stdout === lines * 100, 30_000)
}

/** `out.log*` oldest first: out.log.K … out.log.1, out.log. */
function plainFiles(dir: string): string[] {
  const slot = (name: string) => Number(name.split('.')[2] ?? 0)
  return readdirSync(dir)
    .filter((name) => /^out\.log(\.\d+)?$/.test(name))
    .sort((a, b) => slot(b) - slot(a))
    .map((name) => join(dir, name))
}

function grep(args: string[], cwd: string): string {
  try {
    return execFileSync('grep', args, {cwd, encoding: 'utf8'})
  } catch (error) {
    return (error as {stdout: string}).stdout // grep exits 1 when nothing matches
  }
}

function expectPlainText(dir: string): void {
  for (const file of plainFiles(dir)) expect(readFileSync(file).includes(0)).toBe(false)
  // `grep -r` over the log directory: the spool is elsewhere, so no hidden copy, and no "binary file matches".
  expect(grep(['-r', 'binary', '.'], dir)).toBe('')
  expect(execFileSync('sh', ['-c', 'grep -r -c . . 2>&1 | grep -i binary || true'], {cwd: dir, encoding: 'utf8'})).toBe('')
}

describe('plain log files', () => {
  it('real grep counts every line written over out.log*, with no NUL and no "binary file matches"', async () => {
    const {dir, logs} = await store({maxSize: 256 * 1024, keep: 1000})
    await floodInto(logs, 60_000, 'gr') // 6 MB: some 23 rotations
    expect(plainFiles(dir).length).toBeGreaterThan(20)
    const counts = grep(['-c', '^gr ', ...plainFiles(dir).map((f) => f.slice(dir.length + 1))], dir)
    const total = counts
      .trim()
      .split('\n')
      .reduce((n, line) => n + Number(line.split(':').at(-1)), 0)
    expect(total).toBe(60_000)
    expect(grep(['-r', '-c', '^gr 000059999 ', '.'], dir).trim().split('\n').filter((line) => !line.endsWith(':0'))).toHaveLength(1)
    expectPlainText(dir)
    const stream = plainFiles(dir).map((file) => readFileSync(file, 'latin1')).join('')
    expect(expectNumbered(stream, 'gr', 60_000)).toBeUndefined()
  }, deadline(60_000))

  it('keeps apparent sizes within max_size × (keep + 1) after writing far more; what is kept is the stream\'s tail', async () => {
    const maxSize = 64 * 1024
    const keep = 3
    const {dir, logs} = await store({maxSize, keep})
    await floodInto(logs, 50_000, 'bd') // 5 MB, 19 × the bound
    const files = plainFiles(dir)
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['out.log.3', 'out.log.2', 'out.log.1', 'out.log'])
    const apparent = files.reduce((n, file) => n + statSync(file).size, 0)
    expect(apparent).toBeLessThanOrEqual((maxSize + 100) * (keep + 1))
    // `cat out.log.3 out.log.2 out.log.1 out.log`: consecutive whole lines up to the last one written.
    const text = execFileSync('cat', files, {encoding: 'latin1', maxBuffer: 16 * 1024 * 1024})
    const numbers = text.trimEnd().split('\n').map((line) => Number(line.split(' ')[1]))
    expect(numbers.at(-1)).toBe(49_999)
    numbers.forEach((n, i) => expect(n).toBe(numbers[0]! + i))
    expectPlainText(dir)
    // The spool holds less than a collapse's worth and a block; nothing in MAR_HOME grows for ever.
    await waitFor('the copied spool collapsed', () => statSync(spoolPath(logs.spoolDir, 'stdout')).size <= 1024 * 1024 + 4096)
  }, deadline(60_000))

  it('real tail -F out.log across rotations prints every line exactly once, in order', async () => {
    const {dir, logs} = await store({maxSize: 8 * 1024, keep: 2, tail: false})
    writeRaw(dir, 'stdout', numberedLines('tf', 0, 1, 100))
    await logs.pump()
    const printed = tailFollowing(join(dir, 'out.log'))
    const batches = 40
    let rotations = 0
    for (let batch = 0; batch < batches; batch++) {
      const before = existsSync(join(dir, 'out.log.1')) ? statSync(join(dir, 'out.log.1')).ino : 0
      writeRaw(dir, 'stdout', numberedLines('tf', batch * 30 + 1, batch === batches - 1 ? 29 : 30, 100)) // 3 kB: a rotation every third batch
      await logs.pump()
      if (existsSync(join(dir, 'out.log.1')) && statSync(join(dir, 'out.log.1')).ino !== before) rotations++
      // A reader keeps up within a rotation (as any reader of rename-rotated files must): wait until it has this batch.
      const last = `tf ${String(Math.min(batch * 30 + 30, batches * 30 - 1)).padStart(9, '0')} `
      await waitFor(`tail to print batch ${batch}`, () => printed.text.includes(last), 10_000)
    }
    expect(rotations).toBeGreaterThanOrEqual(3)
    expect(expectNumbered(printed.text, 'tf', batches * 30)).toBeUndefined()
  }, deadline(60_000))
})

/** Real `tail -F` from the first line of `path`, stopped after the test; what it printed so far. */
function tailFollowing(path: string): {text: string} {
  const tail: ChildProcess = spawn('tail', ['-n', '+1', '-F', path], {stdio: ['ignore', 'pipe', 'ignore']})
  cleanups.push(async () => {
    killQuietly(tail.pid!)
    await waitFor('tail to end', () => !isAlive(tail.pid!))
  })
  const printed = {text: ''}
  tail.stdout!.setEncoding('latin1')
  tail.stdout!.on('data', (text: string) => (printed.text += text))
  return printed
}

describe('tail -F racing the daemon', () => {
  it('a child writing 2 MB/s through a tailing store: tail -F out.log prints all of it once, across many rotations', async () => {
    const {dir, logs} = await store({maxSize: 256 * 1024, keep: 3})
    // tail -F on a file that is not there yet polls once a second instead of using inotify: give it one.
    writeRaw(dir, 'stdout', 'start\n')
    await logs.pump()
    const printed = tailFollowing(join(dir, 'out.log'))
    // 1000 lines of 100 bytes every 50 ms, 40 000 in all: a rotation about every 130 ms.
    const script = `let i = 0; const t = setInterval(() => { let s = ''; for (let k = 0; k < 1000; k++, i++) s += ('ra ' + String(i).padStart(9, '0') + ' ').padEnd(99, 'x') + '\\n'; process.stdout.write(s); if (i >= 40000) clearInterval(t) }, 50)`
    const fds = logs.openForChild()
    const child = spawn(process.execPath, ['-e', script], {stdio: ['ignore', fds.stdout, fds.stderr]})
    closeSync(fds.stdout)
    closeSync(fds.stderr)
    cleanups.push(() => killQuietly(child.pid!))
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0)
    await waitFor('every byte stored', () => logs.ends().stdout === 6 + 40_000 * 100, 30_000)
    await waitFor('tail to print the last line', () => printed.text.includes('ra 000039999 '), 10_000)
    expect(plainFiles(dir).length).toBe(4)
    expect(printed.text.startsWith('start\n')).toBe(true)
    expect(expectNumbered(printed.text.slice('start\n'.length), 'ra', 40_000)).toBeUndefined()
  }, deadline(60_000))
})

describe('where the file system refuses collapse', () => {
  it('a fake fallocate that refuses collapse: the spool is punched instead (sparse, hidden); the plain files are the same', async () => {
    const fake = join(fixtures, 'bin/fake-fallocate-no-collapse')
    const {dir, logs} = await store({maxSize: 256 * 1024, keep: 100, fallocate: fake})
    await floodInto(logs, 40_000, 'fb') // 4 MB
    const spool = spoolPath(logs.spoolDir, 'stdout')
    // Nothing collapsed: the spool keeps its apparent size and has no base; holes give its blocks back (after the last copy).
    await waitFor('the copied spool punched', () => statSync(spool).blocks * 512 <= 1024 * 1024 + 3 * 4096)
    expect(statSync(spool).size).toBe(4_000_000)
    expect(existsSync(join(logs.spoolDir, 'out.base'))).toBe(false)
    const stream = plainFiles(dir).map((file) => readFileSync(file, 'latin1')).join('')
    expect(expectNumbered(stream, 'fb', 40_000)).toBeUndefined()
    expectPlainText(dir)
    // Positions in a punched spool are plain offsets: a restart resumes exactly.
    await logs.close()
    writeRaw(dir, 'stdout', numberedLines('fb', 40_000, 5, 100))
    await logs.open()
    await logs.pump()
    expect(logs.ends().stdout).toBe(40_005 * 100)
  }, deadline(60_000))

  it('a real tmpfs (/dev/shm) refuses collapse the same way', async (ctx) => {
    let shm = ''
    try {
      accessSync('/dev/shm', constants.W_OK)
      shm = mkdtempSync('/dev/shm/mar-spool-')
    } catch {
      ctx.skip()
    }
    cleanups.push(() => rmSync(shm, {recursive: true, force: true}))
    const {dir, logs} = await store({maxSize: 256 * 1024, keep: 100, spoolDir: shm})
    await floodInto(logs, 30_000, 'tm')
    await waitFor('the copied spool punched', () => statSync(spoolPath(shm, 'stdout')).blocks * 512 <= 1024 * 1024 + 3 * 4096)
    expect(statSync(spoolPath(shm, 'stdout')).size).toBe(3_000_000)
    const stream = plainFiles(dir).map((file) => readFileSync(file, 'latin1')).join('')
    expect(expectNumbered(stream, 'tm', 30_000)).toBeUndefined()
  }, deadline(60_000))
})
