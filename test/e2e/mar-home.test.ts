// An unusable MAR_HOME through the built binary: commands that talk to the
// daemon and `mar up -f` exit 3 with one line naming the path, what is wrong
// and the fix — never "internal error", never a stack trace. A full disk is
// a real tmpfs where this machine lets the test mount one; no permission is
// a throwaway uid (setpriv) where the test runs as root.
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {mar, project, marBin} from '../helpers/cli.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'marhome-'))
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

function stack(): string {
  const p = project({'mar.yaml': 'name: app\nrunners:\n  web: sleep 300\n'})
  cleanups.push(p.cleanup)
  return p.dir
}

/** Each command fails with exactly this one line on stderr and exit 3, having started nothing. */
async function refusedEverywhere(home: string, line: string, commands = [['up'], ['up', '-f'], ['status'], ['down']]) {
  const cwd = stack()
  for (const args of commands) {
    const result = await mar(args, {cwd, env: {MAR_HOME: home}})
    expect({args, code: result.code, stderr: result.stderr}).toEqual({args, code: 3, stderr: `mar: ${line}\n`})
  }
}

describe('an unusable MAR_HOME: exit 3 and one line', () => {
  it('a file where MAR_HOME should be', async () => {
    const home = join(scratch(), 'home')
    writeFileSync(home, '')
    await refusedEverywhere(home, `MAR_HOME ${home} is a file, not a directory — remove it or set MAR_HOME to a directory`)
  })

  it('a file where a subdirectory of it should be', async () => {
    const home = scratch()
    writeFileSync(join(home, 'logs'), '')
    const line = `MAR_HOME ${home}: logs is a file, not a directory — remove ${join(home, 'logs')} (mar creates it again) or set MAR_HOME to another directory`
    // Only what creates the daemon's files meets it; status and down find no daemon there, which is true.
    await refusedEverywhere(home, line, [['up'], ['up', '-f'], ['daemon', 'start']])
  })

  it('a path too long for the daemon socket', async () => {
    const dir = scratch()
    const home = join(dir, 'x'.repeat(120 - dir.length))
    const socket = join(home, 'daemon.sock')
    await refusedEverywhere(home, `MAR_HOME ${home} is too long a path for a Unix socket: ${socket} is ${Buffer.byteLength(socket)} bytes, at most 107 fit — set MAR_HOME to a shorter path (e.g. ~/.mar)`)
  })

  it('a path that leaves room for the daemon socket but not for a foreground stack socket', async () => {
    const dir = scratch()
    const home = join(dir, 'x'.repeat(87 - dir.length))
    const socket = join(home, 'foreground', 'app.sock')
    // daemon.sock and run/n/ and 12 characters fit; foreground/app.sock is one byte too many.
    expect(Buffer.byteLength(join(home, 'run/n/123456789012'))).toBe(107)
    const result = await mar(['up', '-f'], {cwd: stack(), env: {MAR_HOME: home}})
    expect(result.code).toBe(3)
    expect(result.stderr).toBe(`mar: MAR_HOME ${home} is too long a path for a Unix socket: ${socket} is ${Buffer.byteLength(socket)} bytes, at most 107 fit — set MAR_HOME to a shorter path (e.g. ~/.mar)\n`)
  })

  const root = process.getuid?.() === 0
  const setpriv = spawnSync('setpriv', ['--version']).status === 0
  it.skipIf(!root || !setpriv)('a MAR_HOME this user may not enter (as a throwaway uid, via setpriv)', () => {
    const home = scratch()
    chmodSync(home, 0o700)
    const cwd = stack()
    chmodSync(cwd, 0o755)
    // A HOME the throwaway user may use (oclif reads its data directory there).
    const userHome = scratch()
    chmodSync(userHome, 0o777)
    const run = (args: string[]) =>
      spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, marBin, ...args], {
        cwd,
        env: {PATH: process.env.PATH, HOME: userHome, XDG_CACHE_HOME: userHome, MAR_HOME: home, NO_COLOR: '1'},
        encoding: 'utf8',
      })
    for (const args of [['up'], ['status'], ['up', '-f']]) {
      const result = run(args)
      expect({args, code: result.status, stderr: result.stderr}).toEqual({
        args,
        code: 3,
        stderr: `mar: MAR_HOME ${home} belongs to uid 0, not to you (uid 65534) — mar trusts only a MAR_HOME of your own: set MAR_HOME to a directory of yours\n`,
      })
    }
  })

  it.skipIf(!root)("root refuses another user's MAR_HOME, and nothing in its own is followed through a symbolic link", async () => {
    const home = scratch()
    chownSync(home, 1001, 1001)
    const cwd = stack()
    for (const args of [['up'], ['status'], ['daemon', 'start']]) {
      const result = await mar(args, {cwd, env: {MAR_HOME: home}})
      expect({args, code: result.code, stderr: result.stderr}).toEqual({
        args,
        code: 3,
        stderr: `mar: MAR_HOME ${home} belongs to uid 1001, not to you (uid 0) — mar trusts only a MAR_HOME of your own: set MAR_HOME to a directory of yours\n`,
      })
    }
    expect(readdirSync(home)).toEqual([])
    // Links planted in a MAR_HOME of root's own: refused, and what they point at is untouched.
    const own = scratch()
    const victim = join(scratch(), 'victim')
    writeFileSync(victim, 'precious\n')
    for (const name of ['daemon.log', 'journal.jsonl', 'logs']) {
      rmSync(join(own, name), {recursive: true, force: true})
      symlinkSync(victim, join(own, name))
      const result = await mar(['up'], {cwd, env: {MAR_HOME: own}})
      expect(result.code).toBe(3)
      expect(result.stderr).toBe(`mar: MAR_HOME ${own}: ${name} is a symbolic link, and mar follows none in MAR_HOME — remove ${join(own, name)} (mar creates it again) or set MAR_HOME to another directory\n`)
      rmSync(join(own, name))
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious\n')
  })

  const mountable = root && spawnSync('mount', ['--version']).status === 0
  it.skipIf(!mountable)('a full disk (a real tmpfs of 64 KiB, filled)', async (ctx) => {
    const mountPoint = scratch()
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], {stdio: 'ignore'})
    } catch {
      ctx.skip() // no CAP_SYS_ADMIN here: homeFailure's ENOSPC mapping is unit-tested instead
      return
    }
    cleanups.push(() => execFileSync('umount', [mountPoint]))
    try {
      writeFileSync(join(mountPoint, 'fill'), Buffer.alloc(128 * 1024))
    } catch {
      // full now, as intended
    }
    const home = join(mountPoint, 'home')
    mkdirSync(home)
    const line = `MAR_HOME ${home}: no space left on the device — free some space or set MAR_HOME to another directory on another disk`
    await refusedEverywhere(home, line, [['up'], ['up', '-f']])
  })
})
