// The single-instance lock: a flock on a file in MAR_HOME that only its user
// can open, held until released or the holder dies however it dies.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {acquireLock} from '../../../src/daemon/file-lock.js'
import {isAlive, killQuietly, waitFor} from '../../helpers/wait.js'

const dirs: string[] = []
const pids: number[] = []
afterEach(() => {
  for (const pid of pids.splice(0)) killQuietly(pid)
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mar-lock-'))
  dirs.push(dir)
  return dir
}

describe('file lock', () => {
  it('one holder at a time; released, it can be taken again', async () => {
    const path = join(scratch(), 'daemon.lock')
    const first = await acquireLock(path)
    expect(first).not.toBeNull()
    expect(await acquireLock(path)).toBeNull()
    first!.release()
    const again = await acquireLock(path)
    expect(again).not.toBeNull()
    again!.release()
  })

  it('a holder killed with SIGKILL lets go of it', async () => {
    const path = join(scratch(), 'daemon.lock')
    // Another process group holds it: util-linux flock on the file, and the sleep it runs.
    const holder = spawn('flock', ['--exclusive', path, 'sleep', '300'], {stdio: 'ignore', detached: true})
    pids.push(-holder.pid!)
    await waitFor('the other process to hold it', async () => {
      const lock = await acquireLock(path)
      lock?.release()
      return lock === null
    })
    process.kill(-holder.pid!, 'SIGKILL')
    await waitFor('it to be gone', () => !isAlive(holder.pid!))
    const lock = await waitFor('the lock to be free', () => acquireLock(path))
    lock.release()
  })

  it('never through a symbolic link', async () => {
    const dir = scratch()
    const target = join(dir, 'elsewhere')
    writeFileSync(target, '')
    symlinkSync(target, join(dir, 'daemon.lock'))
    await expect(acquireLock(join(dir, 'daemon.lock'))).rejects.toMatchObject({code: 'ELOOP'})
  })
})
