// Issue 12, point 14: with process groups only (MAR_CGROUPS=0), what left the
// group and dropped MAR_RUN_ID (a classic double-forked daemon, `setsid env -i
// sleep`, a double fork into another process group) is gone once `stop`,
// `down` or `daemon stop` returns — also when a new daemon took the stack
// over — and a look-alike started outside mar at the same time runs on.
import {rmSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {project, withHome, type Home} from '../helpers/daemon.js'
import {spawnMar} from '../helpers/cli.js'
import {escapes, startUnrelated, survivors, waitForEscapes, type Escapes} from '../helpers/escapes.js'
import {isAlive, killQuietly, waitFor} from '../helpers/wait.js'
import {deadline} from '../helpers/deadline.js'

const env = {MAR_CGROUPS: '0'}
const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  // Each runs even if another fails: the test's own sleeps (killed by pid) first.
  for (const cleanup of cleanups.splice(0)) await Promise.resolve().then(cleanup).catch(() => {})
})

async function setup(): Promise<{home: Home; dir: string; e: Escapes; unrelated: number}> {
  const e = escapes()
  cleanups.push(() => e.cleanup())
  const home = withHome()
  cleanups.push(() => home.cleanup())
  const p = project({'mar.yaml': `name: esc\nrunners:\n  t: { cmd: [sh, $FIXTURES/escape.sh, ${e.args.join(', ')}], stop: { timeout: 20s } }\n`})
  cleanups.push(p.cleanup)
  // And again at the end: a daemon stopped in cleanup may have restarted the main process (and its escapees) meanwhile.
  cleanups.push(() => e.cleanup())
  const unrelated = await startUnrelated(e)
  const up = await home.mar(['up'], {cwd: p.dir, env})
  expect(up.code, up.stderr).toBe(0)
  await waitForEscapes(e)
  return {home, dir: p.dir, e, unrelated}
}

describe('stopping finds what left the process group (process-group mode)', () => {
  for (const how of [['stop', 't'], ['down'], ['daemon', 'stop']]) {
    it(`mar ${how.join(' ')} leaves none of them, and the look-alike runs on`, async () => {
      const {home, dir, e, unrelated} = await setup()
      const began = Date.now()
      const result = await home.mar(how, {cwd: dir, env})
      expect(result.code, result.stderr).toBe(0)
      // Gone when the command returns, and within the grace period: they got the stop signal.
      expect(survivors(e)).toEqual([])
      expect(Date.now() - began).toBeLessThan(12_000)
      expect(isAlive(unrelated)).toBe(true)
    })
  }

  it('stopping one instance leaves another instance’s escapees alone', async () => {
    const e = escapes()
    const other = escapes()
    const home = withHome()
    const p = project({'mar.yaml': `name: two\nrunners:\n  t: { cmd: [sh, $FIXTURES/escape.sh, ${e.args.join(', ')}] }\n  u: { cmd: [sh, $FIXTURES/escape.sh, ${other.args.join(', ')}] }\n`})
    cleanups.push(() => e.cleanup(), () => other.cleanup(), () => home.cleanup(), p.cleanup, () => e.cleanup(), () => other.cleanup())
    expect((await home.mar(['up'], {cwd: p.dir, env})).code).toBe(0)
    await waitForEscapes(e)
    await waitForEscapes(other)
    expect((await home.mar(['stop', 't'], {cwd: p.dir, env})).code).toBe(0)
    expect(survivors(e)).toEqual([])
    expect(survivors(other)).toEqual(other.args)
  })

  it('says which containment is in force', async () => {
    const {home, dir} = await setup()
    expect((await home.mar(['status'], {cwd: dir, env})).stdout).toContain('containment: process groups and a marker every process inherits')
    expect((await home.mar(['daemon', 'status'], {env})).stdout).toContain('process groups and a marker every process inherits')
  })
})

describe('mar up -f (process-group mode)', () => {
  it('Ctrl-C leaves none of them, and the look-alike runs on', async () => {
    const e = escapes()
    const home = withHome()
    const p = project({'mar.yaml': `name: fg\nrunners:\n  t: { cmd: [sh, $FIXTURES/escape.sh, ${e.args.join(', ')}] }\n`})
    cleanups.push(() => e.cleanup(), () => home.cleanup(), p.cleanup)
    const unrelated = await startUnrelated(e)
    const child = spawnMar(['up', '-f'], {cwd: p.dir, env: {...home.env, ...env}})
    cleanups.unshift(() => void (child.exitCode === null && child.kill('SIGKILL')))
    child.stdout!.resume()
    child.stderr!.resume()
    await waitForEscapes(e)
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(survivors(e)).toEqual([])
    expect(isAlive(unrelated)).toBe(true)
  })
})

describe('after the daemon was replaced', () => {
  for (const takeover of ['kill -9', 'daemon stop --keep']) {
    it(`${takeover}: the next daemon's stop and down still find them`, async () => {
      const {home, dir, e, unrelated} = await setup()
      const replace = async () => {
        if (takeover === 'kill -9') process.kill(home.daemonPid()!, 'SIGKILL')
        else expect((await home.mar(['daemon', 'stop', '--keep'], {env})).code).toBe(0)
        expect(survivors(e)).toHaveLength(4)
        expect((await home.mar(['daemon', 'start'], {env})).code).toBe(0)
      }
      await replace()
      expect((await home.mar(['stop', 't'], {cwd: dir, env})).code).toBe(0)
      expect(survivors(e)).toEqual([])
      expect((await home.mar(['start', 't'], {cwd: dir, env})).code).toBe(0)
      await waitForEscapes(e)
      await replace()
      expect((await home.mar(['down'], {cwd: dir, env})).code).toBe(0)
      expect(survivors(e)).toEqual([])
      expect(isAlive(unrelated)).toBe(true)
    }, deadline(60_000))
  }

  it('a stack that does not come back: the next daemon ends its runs and what they left', async () => {
    const {home, e, unrelated} = await setup()
    process.kill(home.daemonPid()!, 'SIGKILL')
    rmSync(join(home.home, 'stacks', 'esc.json'))
    expect((await home.mar(['daemon', 'start'], {env})).code).toBe(0)
    await waitFor('every escapee to be gone', () => survivors(e).length === 0, 10_000)
    expect(isAlive(unrelated)).toBe(true)
  }, deadline(60_000))

  it('a main process that ended while no daemon ran: the next daemon ends what it left', async () => {
    const {home, e, unrelated} = await setup()
    const before = e.find()
    process.kill(home.daemonPid()!, 'SIGKILL')
    killQuietly(before.get(e.args[3]!)!)
    await waitFor('the main process to end', () => !isAlive(before.get(e.args[3]!)!))
    expect((await home.mar(['daemon', 'start'], {env})).code).toBe(0)
    // The new daemon finds the run ended, ends its leftovers and (restart: always) starts it again.
    for (const arg of e.args.slice(0, 3)) await waitFor(`the old ${arg} to be gone`, () => !isAlive(before.get(arg)!), 10_000)
    expect(isAlive(unrelated)).toBe(true)
  }, deadline(60_000))
})
