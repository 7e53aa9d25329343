// Vetting MAR_HOME on real paths: each way it can be unusable is one line
// naming the path and the fix, code mar-home (exit 3). The errors a test
// cannot make here as root (a full or read-only disk) are mapped from their
// errno; test/e2e/mar-home.test.ts makes a real full disk where it can mount.
import {mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {marPaths} from '../../../src/api/home.js'
import {homeFailure, MAX_SOCKET_PATH, vetHome} from '../../../src/api/home-vet.js'
import {ExitCode, MarError} from '../../../src/util/errors.js'

const base = mkdtempSync(join(tmpdir(), 'mar-vet-'))
afterAll(() => rmSync(base, {recursive: true, force: true}))

function failure(home: string, mode: 'use' | 'create'): MarError {
  try {
    vetHome(marPaths(home), mode)
  } catch (error) {
    expect(error).toBeInstanceOf(MarError)
    expect((error as MarError).code).toBe('mar-home')
    expect((error as MarError).exitCode).toBe(ExitCode.daemon)
    return error as MarError
  }
  throw new Error(`vetHome(${home}, ${mode}) passed`)
}

describe('vetHome', () => {
  it('creates a private MAR_HOME with its subdirectories and leaves no probe behind', () => {
    const home = join(base, 'fresh')
    vetHome(marPaths(home), 'create')
    expect(statSync(home).mode & 0o777).toBe(0o700)
    expect(readdirSync(home).sort()).toEqual(['foreground', 'logs', 'run', 'spool', 'stacks'])
  })

  it('lets a client go on when MAR_HOME does not exist yet, and creates nothing', () => {
    vetHome(marPaths(join(base, 'not-yet')), 'use')
    expect(readdirSync(base)).not.toContain('not-yet')
  })

  it('a file as MAR_HOME', () => {
    const home = join(base, 'a-file')
    writeFileSync(home, '')
    for (const mode of ['use', 'create'] as const) {
      expect(failure(home, mode).toLine()).toBe(`MAR_HOME ${home} is a file, not a directory — remove it or set MAR_HOME to a directory`)
    }
  })

  it('a file on the way to MAR_HOME', () => {
    const home = join(base, 'a-file', 'home')
    for (const mode of ['use', 'create'] as const) {
      expect(failure(home, mode).toLine()).toBe(`MAR_HOME ${home} cannot be created: ${join(base, 'a-file')} is a file, not a directory — set MAR_HOME to a directory`)
    }
  })

  it('a file where a subdirectory should be', () => {
    const home = join(base, 'logs-file')
    mkdirSync(home)
    writeFileSync(join(home, 'logs'), '')
    expect(failure(home, 'create').toLine()).toBe(
      `MAR_HOME ${home}: logs is a file, not a directory — remove ${join(home, 'logs')} (mar creates it again) or set MAR_HOME to another directory`,
    )
  })

  it('a directory where a file should be', () => {
    const home = join(base, 'sock-dir')
    mkdirSync(join(home, 'daemon.sock'), {recursive: true})
    expect(failure(home, 'create').toLine()).toBe(
      `MAR_HOME ${home}: daemon.sock is a directory, where mar keeps a file — remove ${join(home, 'daemon.sock')} or set MAR_HOME to another directory`,
    )
  })

  it('a path too deep for the daemon socket (sun_path holds 108 bytes)', () => {
    const home = join(base, 'd'.repeat(MAX_SOCKET_PATH - base.length - 'daemon.sock'.length - 1))
    const socket = join(home, 'daemon.sock')
    expect(Buffer.byteLength(socket)).toBe(MAX_SOCKET_PATH + 1)
    expect(failure(home, 'create').toLine()).toBe(
      `MAR_HOME ${home} is too long a path for a Unix socket: ${socket} is ${MAX_SOCKET_PATH + 1} bytes, at most ${MAX_SOCKET_PATH} fit — set MAR_HOME to a shorter path (e.g. ~/.mar)`,
    )
  })

  it('room for the notify sockets too (MAR_HOME/run/n/ and 12 characters), the longest mar binds there', () => {
    const home = join(base, 'n'.repeat(MAX_SOCKET_PATH - base.length - 'run/n/123456789012'.length - 1))
    expect(failure(home, 'create').toLine()).toBe(
      `MAR_HOME ${home} is too long a path for a Unix socket: ${home}/run/n/… (a notify socket) is ${MAX_SOCKET_PATH + 1} bytes, at most ${MAX_SOCKET_PATH} fit — set MAR_HOME to a shorter path (e.g. ~/.mar)`,
    )
    // One byte less fits.
    vetHome(marPaths(home.slice(0, -1)), 'create')
  })
})

describe('homeFailure maps the errno of a file operation in MAR_HOME', () => {
  const errno = (code: string) => Object.assign(new Error(`${code}: something`), {code})
  it.each([
    ['ENOSPC', 'write', 'MAR_HOME /h: no space left on the device (write /h/daemon.pid) — free some space or set MAR_HOME to another directory on another disk'],
    ['EDQUOT', 'write', 'MAR_HOME /h: disk quota exceeded (write /h/daemon.pid) — free some space or set MAR_HOME to another directory on another disk'],
    ['EROFS', 'write', 'MAR_HOME /h is on a read-only file system (write /h/daemon.pid) — set MAR_HOME to a writable directory'],
    ['EACCES', 'write', 'MAR_HOME /h: permission denied (write /h/daemon.pid) — make it yours (chown, chmod u+rwx) or set MAR_HOME to another directory of yours'],
    ['EIO', 'write', 'MAR_HOME /h: cannot write /h/daemon.pid: EIO: something — check the disk, or set MAR_HOME to another directory'],
  ])('%s', (code, doing, line) => {
    const error = homeFailure('/h', '/h/daemon.pid', doing, errno(code))
    expect(error.code).toBe('mar-home')
    expect(error.toLine()).toBe(line)
  })
})
