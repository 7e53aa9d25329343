// Issue 14, point 7, "where it runs", end to end in a real terminal (a
// private tmux, test/helpers/tmux.ts): `mar up --ui` (the daemon starts the
// stack and the screen opens on it), `--detach-on-ready`, SIGTERM to the
// screen, a terminal smaller than 80×24, and `mar up -f --ui` (a foreground
// stack under the screen: R reloads it, q stops it as Ctrl-C would).
//
// Skipped, saying why, without tmux or a built dist/.
//
// Cleanup order matters: a daemon that `mar up --ui` started is a child of
// the program in the pane, so the tmux driver counts it as its own and kills
// it (SIGKILL) at kill(); every home is therefore stopped (gracefully, its
// instances with it) before the tmux drivers are killed. The shared daemon
// of the second block is started from the test process, not in a pane.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {marBin} from '../helpers/cli.js'
import {project, withHome, type Home} from '../helpers/daemon.js'
import {killAllTmux, startTmux, TmuxDriver, type TmuxStartOptions} from '../helpers/tmux.js'
import {isAlive, waitFor} from '../helpers/wait.js'
import {deadline} from '../helpers/deadline.js'

function skipReason(): string | null {
  try {
    execFileSync('tmux', ['-V'], {stdio: 'ignore'})
  } catch {
    return 'no tmux on this machine'
  }
  return existsSync(new URL('../../dist/commands/ui.js', import.meta.url)) ? null : 'dist/ is not built (npm run build)'
}
const skip = skipReason()
if (skip) console.warn(`test/e2e/tui-entry.test.ts skipped: ${skip}`)

const sleeper = '[sleep, "86400"]'
/** A stack of two runners: alphasvc is up once it runs; gatedsvc is ready only once the test creates `gate`. */
const stackYaml = (name: string, dir: string, extra = '') =>
  `name: ${name}
runners:
  alphasvc: { cmd: ${sleeper} }
  gatedsvc:
    cmd: ${sleeper}
    ready: { exec: "test -f ${dir}/gate", interval: 100ms, timeout: 10m }
${extra}`

interface Place {
  home: Home
  dir: string
  /** `mar ARGS…` in tmux, in the project's directory, against this home. */
  run(args: string[], options?: TmuxStartOptions): Promise<TmuxDriver>
  cleanup(): Promise<void>
}

function place(name: string): Place {
  const home = withHome()
  const p = project({})
  const xdg = mkdtempSync(join(tmpdir(), 'mar-tui-xdg-'))
  writeFileSync(join(p.dir, 'mar.yaml'), stackYaml(name, p.dir))
  return {
    home,
    dir: p.dir,
    run: (args, options = {}) =>
      startTmux([process.execPath, marBin, ...args], {
        width: 120,
        height: 40,
        ...options,
        cwd: p.dir,
        env: {
          ...home.env,
          // The user's keys.yaml and caches stay out of it.
          XDG_CONFIG_HOME: xdg,
          XDG_CACHE_HOME: xdg,
          NODE_EXTRA_CA_CERTS: undefined,
          CI: 'true',
          NO_COLOR: '1',
          FORCE_COLOR: undefined,
          ...options.env,
        },
      }),
    async cleanup() {
      await home.cleanup()
      p.cleanup()
      rmSync(xdg, {recursive: true, force: true})
    },
  }
}

const lines = (screen: string) => screen.split('\n')
/** Table rows (not log lines, which carry `name |`) of a runner. */
const rowsOf = (screen: string, name: string) => lines(screen).filter((l) => new RegExp(`\\b${name}\\.\\d+\\b(?!\\s*\\|)`).test(l) && !/^──/.test(l))
const bothRunners = (screen: string) => rowsOf(screen, 'alphasvc').length > 0 && rowsOf(screen, 'gatedsvc').length > 0

const places: Place[] = []
afterEach(async () => {
  for (const p of places.splice(0)) await p.cleanup()
  await killAllTmux()
})

describe.skipIf(skip !== null)('where the TUI runs: mar up --ui from nothing', () => {
  it('mar up --ui starts the daemon and the stack, the screen opens on it; q leaves the stack running (mar status --json)', async () => {
    const p = place('tuiup')
    places.push(p)
    expect(p.home.daemonPid()).toBeNull()
    const tmux = await p.run(['up', '--ui'])
    // The screen, on the stack the daemon just started: alphasvc up, gatedsvc waiting for its gate.
    await tmux.waitForScreen((s) => bothRunners(s) && s.includes('mar ui — tuiup · 1/2 up'), 30_000, 'the screen on tuiup, 1/2 up')
    expect(await tmux.state()).toMatchObject({alternateScreen: true, mouse: true, dead: false})
    await tmux.keys('q')
    const state = await tmux.waitForExit()
    expect(state.exitStatus).toBe(0)
    expect(TmuxDriver.notRestored(state)).toBeNull()
    const status = await p.home.mar(['status', '--json'], {cwd: p.dir})
    expect(status.code, status.stderr).toBe(0)
    const stack = JSON.parse(status.stdout).stacks.find((s: {name: string}) => s.name === 'tuiup')
    expect(stack).toBeTruthy()
    for (const i of stack.instances as Array<{name: string; pid: number | null; state: string}>) {
      expect(i.state, i.name).toMatch(/^(running|starting)$/)
      expect(isAlive(i.pid!), i.name).toBe(true)
    }
    await p.home.status() // tracks the pids for cleanup
  })
})

describe.skipIf(skip !== null)('where the TUI runs: against a running daemon', () => {
  // One daemon for these tests (started here, outside any pane: see the top of the file).
  let p: Place
  beforeAll(async () => {
    p = place('tuientry')
    const started = await p.home.mar(['daemon', 'start'], {cwd: p.dir})
    expect(started.code, started.stderr).toBe(0)
  }, deadline(60_000))
  afterAll(async () => {
    await killAllTmux()
    await p?.cleanup()
  }, deadline(60_000))
  /** The stack up (the first test may have left it so; `-t` may run any alone). */
  const stackUp = async () => {
    if ((await p.home.status()).stacks.some((s) => s.name === 'tuientry')) return
    const up = await p.home.mar(['up', '--no-wait'], {cwd: p.dir})
    expect(up.code, up.stderr).toBe(0)
  }

  it('mar up --ui --detach-on-ready: the screen stays until every instance is ready, then closes, the terminal restored, the stack running and a line saying so', async () => {
    rmSync(join(p.dir, 'gate'), {force: true})
    const tmux = await p.run(['up', '--ui', '--detach-on-ready'])
    // Not ready yet: the screen stays.
    await tmux.waitForScreen((s) => bothRunners(s) && s.includes('tuientry · 1/2 up'), 30_000, 'the screen at 1/2 up')
    expect(tmux.isAlive()).toBe(true)
    writeFileSync(join(p.dir, 'gate'), '')
    const state = await tmux.waitForExit(30_000)
    expect(state.exitStatus).toBe(0)
    expect(TmuxDriver.notRestored(state)).toBeNull()
    const after = await tmux.waitForScreen('[exited 0]')
    expect(after).toContain('tuientry: every instance is ready; it keeps running (mar status, mar ui tuientry)')
    const stack = (await p.home.status()).stacks.find((s) => s.name === 'tuientry')!
    expect(stack.instances.map((i) => [i.name, i.state])).toEqual([
      ['alphasvc.1', 'running'],
      ['gatedsvc.1', 'ready'],
    ])
  })

  it('SIGTERM to mar ui: the screen closes, the terminal is restored (mouse off) and it exits; the stack keeps running', async () => {
    await stackUp()
    const tmux = await p.run(['ui'])
    await tmux.waitForScreen(bothRunners, 20_000, 'both runners')
    const pids = (await p.home.status()).stacks.flatMap((s) => s.instances.map((i) => i.pid!))
    process.kill(tmux.pid, 'SIGTERM')
    const state = await tmux.waitForExit(15_000)
    expect(state.exitStatus).toBe(0)
    expect(TmuxDriver.notRestored(state)).toBeNull()
    expect(pids.every(isAlive)).toBe(true)
  })

  it('a terminal smaller than 80×24 (70×20) gets the compact layout: fewer columns, no line wider than the terminal', async () => {
    await stackUp()
    const tmux = await p.run(['ui'], {width: 70, height: 20})
    const screen = await tmux.waitForScreen(bothRunners, 20_000, 'both runners')
    expect(lines(screen)).toHaveLength(20)
    expect(screen).toMatch(/NAME\s+STATE\s+CPU\s+MEM/)
    expect(screen).not.toMatch(/\bHOST\b/)
    expect(lines(screen).find((l) => l.trim() !== '')).toMatch(/^mar ui — tuientry/)
    // A line wider than the terminal would wrap onto the next row: joined back, none is longer than 70.
    expect(Math.max(...lines(await tmux.capture({joinWrapped: true})).map((l) => l.length))).toBeLessThanOrEqual(70)
    await tmux.keys('q')
    expect(TmuxDriver.notRestored(await tmux.waitForExit())).toBeNull()
  })
})

describe.skipIf(skip !== null)('where the TUI runs: mar up -f --ui, a foreground stack under the screen', () => {
  it('R after an edit of mar.yaml shows the reload diff and y applies it; q stops every process as Ctrl-C does in plain up -f, exit code 0', async () => {
    const p = place('tuifg')
    places.push(p)
    writeFileSync(join(p.dir, 'gate'), '')
    const tmux = await p.run(['up', '-f', '--ui'])
    await tmux.waitForScreen((s) => bothRunners(s) && s.includes('mar ui — tuifg · 2/2 up'), 30_000, 'the screen on tuifg, 2/2 up')
    // No daemon: the stack is this process's (status reaches it through its foreground socket).
    expect(p.home.daemonPid()).toBeNull()
    const before = (await p.home.status()).stacks.find((s) => s.name === 'tuifg')!.instances

    writeFileSync(join(p.dir, 'mar.yaml'), stackYaml('tuifg', p.dir, `  gammasvc: { cmd: ${sleeper} }\n`))
    await tmux.keys('R')
    await tmux.waitForScreen((s) => s.includes('reload tuifg: apply these changes?') && s.includes('+ gammasvc.1 added'), 15_000, 'the reload diff')
    await tmux.keys('y')
    await tmux.waitForScreen((s) => s.includes('reloaded tuifg: 1 change') && rowsOf(s, 'gammasvc').length > 0, 15_000, 'the reload applied')
    const gamma = await waitFor('gammasvc.1 running', async () => (await p.home.status()).stacks.find((s) => s.name === 'tuifg')?.instances.find((i) => i.name === 'gammasvc.1' && i.state === 'running' && i.pid), 15_000, 100)
    // The others were left alone.
    const now = (await p.home.status()).stacks.find((s) => s.name === 'tuifg')!.instances
    for (const i of before) expect(now.find((n) => n.name === i.name)?.pid, i.name).toBe(i.pid)

    await tmux.keys('q')
    const state = await tmux.waitForExit(30_000)
    expect(state.exitStatus).toBe(0)
    expect(TmuxDriver.notRestored(state)).toBeNull()
    for (const pid of [...before.map((i) => i.pid!), gamma.pid!]) expect(isAlive(pid), `pid ${pid}`).toBe(false)
    // As plain up -f says on Ctrl-C, once the screen is gone; stopped, not killed.
    const told = await tmux.capture()
    expect(told).toMatch(/mar: quit: stopping all instances/)
    expect(told).toMatch(/gammasvc\.1 \| exited: signal SIGTERM/)
    expect(told).not.toMatch(/killing/)
  })

  it('SIGTERM to mar up -f --ui: the screen closes, the stack is stopped once and gracefully (SIGTERM, not the kill of a second Ctrl-C), exit code 0', async () => {
    const p = place('tuifgterm')
    places.push(p)
    writeFileSync(join(p.dir, 'gate'), '')
    const tmux = await p.run(['up', '-f', '--ui'])
    await tmux.waitForScreen((s) => s.includes('mar ui — tuifgterm · 2/2 up'), 30_000, 'the screen at 2/2 up')
    const pids = (await p.home.status()).stacks.flatMap((s) => s.instances.map((i) => i.pid!))
    process.kill(tmux.pid, 'SIGTERM')
    const state = await tmux.waitForExit(30_000)
    expect(state.exitStatus).toBe(0)
    expect(TmuxDriver.notRestored(state)).toBeNull()
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false)
    const told = await tmux.capture()
    expect(told).toMatch(/mar: SIGTERM: stopping all instances/)
    expect(told).toMatch(/alphasvc\.1 \| exited: signal SIGTERM/)
    expect(told).not.toMatch(/killing|SIGKILL/)
  })
})
