// `mar up -f` serves its stack's API on MAR_HOME/foreground/<stack>.sock:
// status, logs, logs -f, stop and down from another terminal reach it; a
// daemon-mode `mar up` or a second `mar up -f` of the same stack is refused;
// Ctrl-C ends it with exit 0 and removes its socket.
import type {ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {LogLineJson} from '../../src/api/json.js'
import {spawnMar} from '../helpers/cli.js'
import {instance, project, withHome, type Home} from '../helpers/daemon.js'
import {isAlive, waitFor} from '../helpers/wait.js'
import {deadline} from '../helpers/deadline.js'

const homes: Home[] = []
const children: ChildProcess[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  // home.cleanup kills (by pid, with their process groups) every instance its status calls saw.
  for (const home of homes.splice(0)) await home.cleanup()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** Prints tick-<instance>-<n> five times a second, for ever. */
const ticker = `[sh, -c, 'i=0; while :; do i=$((i+1)); echo "tick-$MAR_INSTANCE-$i"; sleep 0.2; done']`

function setup(name: string) {
  const home = withHome()
  homes.push(home)
  const p = project({'mar.yaml': `name: ${name}\nrunners:\n  web: { cmd: ${ticker}, scale: 2 }\n`})
  cleanups.push(p.cleanup)
  return {home, dir: p.dir, socket: join(home.home, 'foreground', `${name}.sock`)}
}

function watch(child: ChildProcess) {
  children.push(child)
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    out: () => out,
    err: () => err,
    /** Its exit code, or a failure naming what it printed if it does not exit in time. */
    exited: (timeoutMs = 15_000) => within(exit, timeoutMs, () => `pid ${child.pid} did not exit in ${timeoutMs}ms\nstdout: ${out}\nstderr: ${err}`),
  }
}

function within<T>(promise: Promise<T>, timeoutMs: number, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why())), timeoutMs)))
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** `mar up -f` of the project, once both instances run and its socket answers `mar status`. */
async function upForeground(home: Home, dir: string, stack: string) {
  const fg = watch(spawnMar(['up', '-f'], {cwd: dir, env: home.env}))
  const status = await waitFor(
    'both instances running, seen through mar status --json',
    async () => {
      const s = await home.status()
      const found = s.stacks.find((x) => x.name === stack)
      return found && found.instances.length === 2 && found.instances.every((i) => i.state === 'running') ? s : null
    },
    20_000,
    100,
  )
  return {fg, status}
}

const tickOf = (line: string, instanceIndex: number): number | null => {
  const match = new RegExp(`tick-${instanceIndex}-(\\d+)`).exec(line)
  return match ? Number(match[1]) : null
}

describe('the API of a foreground stack, from another terminal', () => {
  it('status, logs, logs -f and stop reach it; up and a second up -f are refused; Ctrl-C ends it with exit 0 and removes its socket', async () => {
    const {home, dir, socket} = setup('fgapi')
    const {fg, status} = await upForeground(home, dir, 'fgapi')
    expect(existsSync(socket)).toBe(true)
    // No daemon was needed (nor started) for any of it.
    expect(home.daemonPid()).toBeNull()
    expect(status.stacks.map((s) => s.name)).toEqual(['fgapi'])
    const stack = status.stacks[0]!
    expect(stack.config).toBe(join(dir, 'mar.yaml'))
    expect(stack.instances.map((i) => i.name)).toEqual(['web.1', 'web.2'])
    for (const i of stack.instances) {
      expect(i.pid).toBeGreaterThan(0)
      expect(isAlive(i.pid!)).toBe(true)
    }
    const web2pid = instance(status, 'fgapi', 'web.2').pid!

    // mar logs -n 5 --json web.1: that instance's last lines.
    const lines = await waitFor(
      'five stored lines of web.1',
      async () => {
        const result = await home.mar(['logs', '-n', '5', '--json', 'web.1'], {cwd: dir})
        if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`)
        const parsed = result.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as LogLineJson)
        return parsed.length === 5 ? parsed : null
      },
      15_000,
      100,
    )
    for (const line of lines) {
      expect(line).toMatchObject({stack: 'fgapi', instance: 'web.1', stream: 'stdout'})
      expect(line.line).toMatch(/^tick-1-\d+$/)
    }
    const ticks = lines.map((l) => tickOf(l.line, 1)!)
    expect(ticks).toEqual(ticks.map((_, k) => ticks[0]! + k))

    // mar logs -f from another process gets lines written after it started following.
    const follower = watch(spawnMar(['logs', '-f', '--no-color'], {cwd: dir, env: home.env}))
    await waitFor('the follower to print a line of web.1', () => /^web\.1 +\| tick-1-\d+$/m.test(follower.out()), 15_000)
    // It follows now: whatever web.1 writes after its latest stored line reaches it.
    const latest = await home.mar(['logs', '-n', '1', '--json', 'web.1'], {cwd: dir})
    const storedTick = tickOf((JSON.parse(latest.stdout) as LogLineJson).line, 1)!
    await waitFor(
      `the follower to get a line of web.1 written after tick ${storedTick}`,
      () => follower.out().split('\n').some((l) => l.startsWith('web.1') && (tickOf(l, 1) ?? 0) > storedTick),
      15_000,
    )
    await waitFor('the follower to get web.2 too', () => /^web\.2 +\| tick-2-\d+$/m.test(follower.out()), 15_000)

    // mar stop web.2: stopped by the user, web.1 untouched.
    const stop = await home.mar(['stop', 'web.2'], {cwd: dir})
    expect(stop.code).toBe(0)
    expect(stop.stdout).toMatch(/web\.2\s+stopped/)
    const afterStop = await home.status()
    expect(instance(afterStop, 'fgapi', 'web.2')).toMatchObject({state: 'stopped', pid: null, reasonCode: 'stopped-by-user'})
    expect(instance(afterStop, 'fgapi', 'web.1')).toMatchObject({state: 'running', pid: instance(status, 'fgapi', 'web.1').pid})
    expect(isAlive(web2pid)).toBe(false)

    // A daemon-mode `mar up` of the same stack is refused, and starts no daemon.
    const up = await home.mar(['up'], {cwd: dir})
    expect(up.code).toBe(1)
    expect(up.stderr).toContain('runs in the foreground')
    expect(home.daemonPid()).toBeNull()

    // A second `mar up -f` is refused; the first is not disturbed.
    const second = await home.mar(['up', '-f'], {cwd: dir})
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('the stack fgapi already runs in the foreground')
    const still = await home.status()
    expect(instance(still, 'fgapi', 'web.1')).toMatchObject({state: 'running', pid: instance(status, 'fgapi', 'web.1').pid})
    expect(existsSync(socket)).toBe(true)

    // Ctrl-C: exit 0, every instance gone, the socket removed, the follower told and ended.
    const web1pid = instance(status, 'fgapi', 'web.1').pid!
    fg.child.kill('SIGINT')
    expect(await fg.exited(15_000)).toBe(0)
    expect(fg.err()).toContain('Ctrl-C: stopping all instances')
    expect(existsSync(socket)).toBe(false)
    expect(isAlive(web1pid)).toBe(false)
    expect(await follower.exited()).toBe(0)
    expect(follower.err()).toContain('the stack stopped')
    expect(JSON.parse((await home.mar(['status', '--json'])).stdout)).toEqual({stacks: []})
    // A dozen mar commands in a row: on a loaded 2-core machine this takes well over the default 30 s.
  }, deadline(90_000))

  it('mar down from another terminal ends the foreground stack, and mar up -f exits 0', async () => {
    const {home, dir, socket} = setup('fgdown')
    const {fg, status} = await upForeground(home, dir, 'fgdown')
    const pids = status.stacks[0]!.instances.map((i) => i.pid!)
    const down = await home.mar(['down'], {cwd: dir})
    expect(down.code).toBe(0)
    expect(down.stdout).toContain('stack fgdown is down')
    expect(await fg.exited(20_000)).toBe(0)
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
    expect(existsSync(socket)).toBe(false)
    expect(home.daemonPid()).toBeNull()
  })
})
