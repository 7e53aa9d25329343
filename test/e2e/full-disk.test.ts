// A full disk never hides running services: the daemon keeps supervising
// from memory, says it cannot write its records, writes them once it can,
// and a daemon started on the full disk still takes over what runs.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {instance, project, withHomeAt, type Home} from '../helpers/daemon.js'
import {waitFor} from '../helpers/wait.js'
import {deadline} from '../helpers/deadline.js'

const homes: Home[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const home of homes.splice(0)) await home.cleanup()
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

const mountable = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0

/** Fill the file system up to the last block. */
function fill(dir: string): string {
  const file = join(dir, 'filler')
  try {
    writeFileSync(file, Buffer.alloc(64 * 1024 * 1024))
  } catch {
    // full, as intended
  }
  return file
}

describe('a full disk', () => {
  it.skipIf(!mountable)('restart still works, status says records cannot be written, a new daemon takes over, records are written once space returns', async (ctx) => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'mar-full-'))
    cleanups.push(() => rmSync(mountPoint, {recursive: true, force: true}))
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], {stdio: 'ignore'})
    } catch {
      ctx.skip()
      return
    }
    cleanups.push(() => execFileSync('umount', ['-l', mountPoint]))
    const homeDir = join(mountPoint, 'home')
    mkdirSync(homeDir, {mode: 0o700})
    const home = withHomeAt(homeDir)
    homes.push(home)
    const p = project({'mar.yaml': 'name: full\nrunners:\n  a: sleep 300\n  b: sleep 300\n'})
    cleanups.push(p.cleanup)
    expect((await home.mar(['up'], {cwd: p.dir})).code).toBe(0)
    const before = await home.status()

    const filler = fill(mountPoint)
    const restart = await home.mar(['restart', 'a'], {cwd: p.dir})
    expect(restart.code).toBe(0)
    const status = await home.mar(['status'], {cwd: p.dir})
    expect(status.code).toBe(0)
    expect(status.stderr).toContain('mar: warning: the daemon cannot write its records (')
    expect(status.stderr).toContain('no space left on the device')
    expect(readdirSync(join(homeDir, 'stacks')).filter((name) => name.endsWith('.tmp'))).toEqual([])

    // kill -9 on the full disk: the next daemon comes up and takes over b, which the records still know.
    process.kill(home.daemonPid()!, 'SIGKILL')
    const start = await home.mar(['daemon', 'start'])
    expect(start.code).toBe(0)
    const adopted = await home.status()
    expect(instance(adopted, 'full', 'b.1')).toMatchObject({state: 'running', pid: instance(before, 'full', 'b.1').pid})

    rmSync(filler)
    await waitFor('the records to be written again', async () => !(await home.mar(['status'])).stderr.includes('cannot write its records'), 20_000, 500)
  }, deadline(90_000))
})
