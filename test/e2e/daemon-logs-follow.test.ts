// `mar logs -f` against the daemon through the built binary: instances that
// appear after it started, lines still being written, and followers when
// the daemon stops.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {project, withHome, type Home} from '../helpers/daemon.js'
import {waitFor} from '../helpers/wait.js'
import {spawnMar} from '../helpers/cli.js'
import {storedData} from '../fixtures/logs/stored-stream.mjs'

const homes: Home[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const home of homes.splice(0)) await home.cleanup()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('logs -f with the daemon', () => {
  it('logs -f follows instances that appear after it started (a stack brought up, an instance added by reload), without replaying earlier runs, to their last words', async () => {
    const home = withHome()
    homes.push(home)
    const talker = (word: string) => `sh -c 'echo ${word}-$MAR_INSTANCE; exec sleep 300'`
    // Its last words have no newline, and come as it is stopped.
    const web = `[sh, -c, "trap 'printf bye-$MAR_INSTANCE; exit 0' TERM; echo hello-$MAR_INSTANCE; while :; do sleep 0.1; done"]`
    const first = project({'mar.yaml': `name: first\nrunners:\n  web: { cmd: ${web} }\n`})
    const second = project({'mar.yaml': `name: second\nrunners:\n  api: { cmd: "${talker('hi')}" }\n`})
    const nowhere = project({})
    cleanups.push(first.cleanup, second.cleanup, nowhere.cleanup)
    // An earlier run of the second stack left its line on disk.
    expect((await home.mar(['up'], {cwd: second.dir})).code).toBe(0)
    expect((await home.mar(['down'], {cwd: second.dir})).code).toBe(0)
    expect((await home.mar(['up'], {cwd: first.dir})).code).toBe(0)

    const all = spawnMar(['logs', '-f', '--no-color'], {cwd: nowhere.dir, env: home.env})
    const scoped = spawnMar(['logs', '-f', '--no-color'], {cwd: first.dir, env: home.env})
    let allOut = ''
    let scopedOut = ''
    all.stdout!.on('data', (chunk) => (allOut += chunk))
    scoped.stdout!.on('data', (chunk) => (scopedOut += chunk))
    cleanups.push(() => all.kill('SIGKILL'), () => scoped.kill('SIGKILL'))
    await waitFor('both followers print the existing line', () => allOut.includes('first/web.1 | hello-1') && scopedOut.includes('web.1 | hello-1'))

    expect((await home.mar(['up'], {cwd: second.dir})).code).toBe(0)
    writeFileSync(join(first.dir, 'mar.yaml'), `name: first\nrunners:\n  web: { cmd: ${web}, scale: 2 }\n`)
    expect((await home.mar(['reload'], {cwd: first.dir})).code).toBe(0)

    await waitFor('the all-stacks follower sees the new stack and the new instance', () => allOut.includes('second/api.1 | hi-1') && allOut.includes('first/web.2 | hello-2'))
    await waitFor('the stack follower sees the new instance', () => scopedOut.includes('web.2 | hello-2'))
    expect(scopedOut).not.toContain('hi-1')
    expect(allOut.split('second/api.1 | hi-1').length - 1).toBe(1)

    // Followers do not hold a stopping daemon up: they get the last words, are told, and exit 0.
    let allErr = ''
    all.stderr!.on('data', (chunk) => (allErr += chunk))
    const exits = [all, scoped].map((child) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))))
    const stopped = await home.mar(['daemon', 'stop'], {timeoutMs: 10_000})
    expect(stopped.code).toBe(0)
    expect(await Promise.all(exits)).toEqual([0, 0])
    expect(allErr).toContain('the daemon stopped')
    expect(allOut).toContain('first/web.1 | bye-1')
    expect(scopedOut).toContain('web.2 | bye-2')
  })

  it('logs -f: a line being written comes whole, and a stack brought up while the backlog is held up is followed from its first line', async () => {
    const home = withHome()
    homes.push(home)
    const big = project({'mar.yaml': 'name: big\nrunners:\n  flood: { cmd: [node, $FIXTURES/flood.mjs, "50000", alpha], oneshot: true }\n'})
    const mid = project({'mar.yaml': 'name: mid\nrunners:\n  q: { cmd: [sh, -c, "printf abc; sleep 4; echo def; exec sleep 300"] }\n'})
    const late = project({'mar.yaml': 'name: late\nrunners:\n  fresh: { cmd: [sh, -c, "echo FIRST; exec sleep 300"] }\n'})
    const nowhere = project({})
    cleanups.push(big.cleanup, mid.cleanup, late.cleanup, nowhere.cleanup)
    expect((await home.mar(['up'], {cwd: big.dir})).code).toBe(0)
    expect((await home.mar(['up'], {cwd: mid.dir})).code).toBe(0)
    const logDir = join(home.home, 'logs', 'mid', 'q.1')
    await waitFor('the first half of the line to be stored', () => storedData(logDir).toString().includes('abc'))

    // Not read at first: 50 000 lines of backlog fill the pipe, the CLI stops reading, the daemon waits.
    const follower = spawnMar(['logs', '-f', '-n', '60000', '--no-color'], {cwd: nowhere.dir, env: home.env})
    cleanups.push(() => follower.kill('SIGKILL'))
    expect((await home.mar(['up'], {cwd: late.dir})).code).toBe(0)
    let out = ''
    follower.stdout!.on('data', (chunk) => (out += chunk))
    await waitFor('the late stack and the whole line', () => /late\/fresh\.1 +\| FIRST$/m.test(out) && /mid\/q\.1 +\| abcdef$/m.test(out), 20_000)
    expect(out).not.toMatch(/mid\/q\.1 +\| def$/m)
    follower.kill('SIGTERM')
  })

  it('daemon stop --keep does not hand a follower a line still being written as if it were whole', async () => {
    const home = withHome()
    homes.push(home)
    // The line is finished only when the test says so (never, here): no time window to race.
    const app = project({'mar.yaml': 'name: keep\nrunners:\n  p: { cmd: [sh, -c, "echo start; printf abc; while [ ! -e finish ]; do sleep 0.05; done; echo def; exec sleep 300"] }\n'})
    const nowhere = project({})
    cleanups.push(app.cleanup, nowhere.cleanup)
    expect((await home.mar(['up'], {cwd: app.dir})).code).toBe(0)
    await home.status() // its pid is killed at cleanup: --keep leaves it running
    const logDir = join(home.home, 'logs', 'keep', 'p.1')
    await waitFor('the first half of the line to be stored', () => storedData(logDir).toString().includes('abc'))
    const follower = spawnMar(['logs', '-f', '--no-color'], {cwd: nowhere.dir, env: home.env})
    cleanups.push(() => follower.kill('SIGKILL'))
    let out = ''
    let err = ''
    follower.stdout!.on('data', (chunk) => (out += chunk))
    follower.stderr!.on('data', (chunk) => (err += chunk))
    const exited = new Promise<number | null>((resolve) => follower.once('exit', (code) => resolve(code)))
    await waitFor('the follower to be following', () => out.includes('p.1 | start'))
    expect((await home.mar(['daemon', 'stop', '--keep'])).code).toBe(0)
    expect(await exited).toBe(0)
    expect(err).toContain('the daemon stopped (services left running)')
    expect(out).not.toContain('abc')
    // A new daemon takes the service over, so that cleanup stops it (and removes its cgroup).
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    await waitFor('the service to be adopted', async () => (await home.status()).stacks.some((stack) => stack.name === 'keep'))
  })
})
