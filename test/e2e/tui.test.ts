// Issue 14, "Tests": `mar ui` in a real terminal (a private tmux, see
// test/helpers/tmux.ts) against a real daemon — the table, restart, filter,
// the log pane, resize, quitting and the daemon going away, read-only — and
// golden captures of the main screens under test/golden/tui/.
//
// Skipped, saying why, while the built `mar ui` is not the TUI (its --help
// has no --read-only): the suite stays green until the TUI lands.
// UPDATE_GOLDEN=1 rewrites the golden files (review the diff, then commit).
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {marBin} from '../helpers/cli.js'
import {instance, project, waitForState, withHome, type Home} from '../helpers/daemon.js'
import {checkGolden, maskScreen} from '../helpers/golden.js'
import {killAllTmux, startTmux, TmuxDriver} from '../helpers/tmux.js'
import {isAlive, waitFor} from '../helpers/wait.js'

const repo = new URL('../../', import.meta.url).pathname.replace(/\/$/, '')

/** Why the TUI cannot be tested here, or null. */
function skipReason(): string | null {
  try {
    execFileSync('tmux', ['-V'], {stdio: 'ignore'})
  } catch {
    return 'no tmux on this machine'
  }
  let help: string
  try {
    help = execFileSync(process.execPath, [marBin, 'ui', '--help'], {encoding: 'utf8', env: {...process.env, NODE_EXTRA_CA_CERTS: undefined}, timeout: 20_000})
  } catch (error) {
    return `\`mar ui --help\` failed (is dist/ built?): ${(error as Error).message.split('\n')[0]}`
  }
  return help.includes('--read-only') ? null : '`mar ui` is not the TUI yet (its --help has no --read-only)'
}
const skip = skipReason()
if (skip) console.warn(`test/e2e/tui.test.ts skipped: ${skip}`)

const homes: Home[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  await killAllTmux()
  for (const home of homes.splice(0)) await home.cleanup()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

interface Setup {
  home: Home
  dir: string
  /** Make every talker print `line` (each runner reads its own file and echoes what it finds). */
  say(line: string): void
  /** Start `mar ui ARGS…` in tmux at width × height in the project's directory. */
  ui(args?: string[], options?: {width?: number; height?: number; color?: boolean}): Promise<TmuxDriver>
  /** Masks for golden captures: this run's temp paths and pids. */
  masks(): Promise<Array<[string, string]>>
}

/**
 * A daemon in a fresh MAR_HOME with a stack of two runners, `alphasvc` and
 * `betasvc`, that print nothing of their own: each echoes what the test
 * writes to its file, so a line on the screen is one written after the TUI started.
 */
async function setup(env: Record<string, string> = {}): Promise<Setup> {
  const home = withHome()
  homes.push(home)
  const p = project({})
  cleanups.push(p.cleanup)
  const config = mkdtempSync(join(tmpdir(), 'mar-tui-xdg-'))
  cleanups.push(() => rmSync(config, {recursive: true, force: true}))
  const talker = (name: string) => `[sh, -c, "while :; do if [ -f ${p.dir}/say-${name} ]; then cat ${p.dir}/say-${name}; rm -f ${p.dir}/say-${name}; fi; sleep 0.1; done"]`
  writeFileSync(join(p.dir, 'mar.yaml'), `name: tuie2e\nrunners:\n  alphasvc: { cmd: ${talker('alphasvc')} }\n  betasvc: { cmd: ${talker('betasvc')} }\n`)
  const up = await home.mar(['up'], {cwd: p.dir, env})
  expect(up.code, up.stderr).toBe(0)
  await waitForState(home, 'tuie2e', 'alphasvc.1', ['running', 'ready'])
  await waitForState(home, 'tuie2e', 'betasvc.1', ['running', 'ready'])
  return {
    home,
    dir: p.dir,
    say(line) {
      for (const name of ['alphasvc', 'betasvc']) writeFileSync(join(p.dir, `say-${name}`), line + '\n')
    },
    ui(args = [], {width = 120, height = 40, color = false} = {}) {
      return startTmux([process.execPath, marBin, 'ui', ...args], {
        width,
        height,
        cwd: p.dir,
        env: {
          ...home.env,
          ...env,
          // The user's keys.yaml and caches stay out of it.
          XDG_CONFIG_HOME: config,
          XDG_CACHE_HOME: config,
          NODE_EXTRA_CA_CERTS: undefined,
          // CI set in a real terminal must not blank the screen (ink draws only
          // the last frame when it thinks it runs in CI): every run checks it.
          CI: 'true',
          ...(color ? {NO_COLOR: undefined, FORCE_COLOR: '1'} : {NO_COLOR: '1', FORCE_COLOR: undefined}),
        },
      })
    },
    async masks() {
      const status = await home.status()
      const pids = status.stacks.flatMap((s) => s.instances.map((i) => i.pid)).filter((pid): pid is number => Boolean(pid))
      return [
        [p.dir, '<project>'],
        [home.home, '<home>'],
        [config, '<config>'],
        [repo, '<repo>'],
        ...pids.map((pid) => [String(pid), '<pid>'] as [string, string]),
        ...[home.daemonPid()].filter(Boolean).map((pid) => [String(pid), '<pid>'] as [string, string]),
      ]
    },
  }
}

const lines = (screen: string) => screen.split('\n')
/** The screen's rows that are table rows of `name` (not log lines, which carry `name |`). */
const rowsOf = (screen: string, name: string) => lines(screen).filter((l) => new RegExp(`\\b${name}\\b(?!\\.\\d+\\s*\\|)(?!\\s*\\|)`).test(l))

/** Poll until the screen stops changing between two captures (masked): live figures settle. */
async function settled(tmux: TmuxDriver, masks: Array<[string, string]>, escapes = false): Promise<string> {
  let previous = ''
  return waitFor('the screen to settle', async () => {
    const screen = maskScreen(await tmux.capture({escapes}), {replace: masks})
    const same = screen === previous
    previous = screen
    return same ? screen : null
  }, 15_000, 150)
}

describe.skipIf(skip !== null)('mar ui in a real terminal against a real daemon', () => {
  it('shows the runners; the log pane shows a line a service just wrote; / filters; r restarts the selected instance (its pid changes in status --json); q exits and restores the terminal', async () => {
    const s = await setup()
    const tmux = await s.ui()
    await tmux.waitForScreen((screen) => screen.includes('alphasvc') && screen.includes('betasvc'), 15_000, 'both runners in the table')

    const token = `fresh-line-${Date.now()}`
    s.say(token)
    await tmux.waitForScreen(token, 10_000, 'the line the service just wrote in the log pane')

    await tmux.keys('/')
    await tmux.type('betasvc')
    await tmux.keys('Enter')
    await tmux.waitForScreen((screen) => rowsOf(screen, 'alphasvc').length === 0 && rowsOf(screen, 'betasvc').length > 0, 10_000, 'the table filtered to betasvc')

    const before = (await s.home.status()).stacks[0].instances.find((i) => i.runner === 'betasvc')!.pid
    expect(before).toBeGreaterThan(0)
    await tmux.keys('r')
    const after = await waitFor('betasvc to run with a new pid', async () => {
      const status = await s.home.status()
      const found = status.stacks[0].instances.find((i) => i.runner === 'betasvc')
      return found && found.pid && found.pid !== before && (found.state === 'running' || found.state === 'ready') ? found.pid : null
    }, 20_000, 100)
    // As the user would check it: through the CLI.
    const json = await s.home.mar(['status', '--json'], {cwd: s.dir})
    expect(json.code).toBe(0)
    const reported = JSON.parse(json.stdout).stacks[0].instances.find((i: {runner: string}) => i.runner === 'betasvc')
    expect(reported.pid).toBe(after)
    expect(isAlive(before!)).toBe(false)

    await tmux.keys('q')
    const state = await tmux.waitForExit()
    expect(state.exitStatus).toBe(0)
    expect(TmuxDriver.notRestored(state)).toBeNull()
    await tmux.waitForScreen('[exited 0]')
    // The stack is left running: q quits the screen, not the stack.
    expect(instance(await s.home.status(), 'tuie2e', reported.name).pid).toBe(after)
  })

  it('a resize from 120×40 to 80×24 redraws a sane layout: the header on top, no line wider than the terminal, one column header, both runners', async () => {
    const s = await setup()
    const tmux = await s.ui()
    const wide = await tmux.waitForScreen((screen) => screen.includes('alphasvc') && screen.includes('betasvc'), 15_000, 'both runners')
    const header = lines(wide).find((l) => l.trim() !== '')!.trim().split(/\s+/)[0]
    const columnHeaders = (screen: string) => lines(screen).filter((l) => /\bstate\b/i.test(l) && /\bpid\b/i.test(l)).length

    await tmux.resize(80, 24)
    const narrow = await tmux.waitForScreen((screen) => {
      const rows = lines(screen)
      return rows.length === 24 && rows.find((l) => l.trim() !== '')?.trim().startsWith(header) === true && screen.includes('alphasvc') && screen.includes('betasvc')
    }, 10_000, `the header (${header}) on top and both runners at 80×24`)
    const joined = await tmux.capture({joinWrapped: true})
    expect(Math.max(...lines(joined).map((l) => l.length))).toBeLessThanOrEqual(80)
    expect(columnHeaders(narrow)).toBeLessThanOrEqual(1)
    expect(columnHeaders(wide)).toBeLessThanOrEqual(1)

    // And back: no leftovers of the narrow frame.
    await tmux.resize(120, 40)
    await tmux.waitForScreen((screen) => lines(screen).length === 40 && lines(screen).find((l) => l.trim() !== '')?.trim().startsWith(header) === true, 10_000, 'the header on top at 120×40 again')
    expect(Math.max(...lines(await tmux.capture({joinWrapped: true})).map((l) => l.length))).toBeLessThanOrEqual(120)
    await tmux.keys('q')
    expect(TmuxDriver.notRestored(await tmux.waitForExit())).toBeNull()
  })

  it('when the daemon is killed, the screen says so and the program exits with the terminal restored', async () => {
    // Process groups, not cgroups: a daemon killed here leaves instances that cleanup kills by pid.
    const s = await setup({MAR_CGROUPS: '0'})
    await s.home.status() // tracks the instances' pids for cleanup
    const tmux = await s.ui()
    await tmux.waitForScreen('alphasvc', 15_000)
    process.kill(s.home.daemonPid()!, 'SIGKILL')
    const state = await tmux.waitForExit(15_000)
    expect(state.exitStatus).not.toBe(0)
    expect(TmuxDriver.notRestored(state)).toBeNull()
    expect(await tmux.capture()).toMatch(/daemon/i)
  })

  it('--read-only lists no action keys in its help; without it the help lists them', async () => {
    const s = await setup()
    const actions = /\b(restart|stop|signal|reload|scale)\b/i
    // The help view and nothing else ends in "esc: back": the main screen's key hints also say "q quit" and
    // (without --read-only) "r restart", so they alone would pass before `?` was read.
    const helpShown = (screen: string) => screen.includes('esc: back')
    const full = await s.ui()
    await full.waitForScreen('alphasvc', 15_000)
    await full.keys('?')
    const fullHelp = await full.waitForScreen(helpShown, 10_000, 'the help view')
    expect(fullHelp).toMatch(/\bquit\b/i)
    expect(fullHelp).toMatch(actions)
    await full.kill()

    const readOnly = await s.ui(['--read-only'])
    await readOnly.waitForScreen('alphasvc', 15_000)
    await readOnly.keys('?')
    const help = await readOnly.waitForScreen(helpShown, 10_000, 'the help view')
    expect(help).toMatch(/\bquit\b/i)
    expect(help).not.toMatch(actions)
    // And r does nothing: the instance keeps its pid.
    const pid = instance(await s.home.status(), 'tuie2e', (await s.home.status()).stacks[0].instances[0].name).pid
    // One key at a time, each seen on the screen before the next: Escape and r in one read are Alt+r to a terminal program.
    await readOnly.keys('Escape')
    await readOnly.waitForScreen((screen) => !helpShown(screen) && /alphasvc\.1/.test(screen), 10_000, 'the table again')
    await readOnly.keys('r')
    await readOnly.keys('q')
    await readOnly.waitForExit()
    expect((await s.home.status()).stacks[0].instances[0].pid).toBe(pid)
  })

  it('the mouse: reporting is on while the screen is up; a click (SGR or legacy) selects a row, the wheel moves the selection; after q it is off again', async () => {
    const s = await setup()
    const tmux = await s.ui()
    const screen = await tmux.waitForScreen((screen) => rowsOf(screen, 'alphasvc').length > 0 && rowsOf(screen, 'betasvc').length > 0, 15_000, 'both runners in the table')
    expect((await tmux.state()).mouse).toBe(true)
    const selected = (screen: string) => lines(screen).find((l) => l.includes('›')) ?? ''
    expect(selected(screen)).not.toMatch(/betasvc/)
    // What the terminal sends for a left click (press, release) on betasvc.1's row, in SGR encoding (1-based).
    const row = lines(screen).findIndex((l) => rowsOf(l, 'betasvc').length > 0) + 1
    await tmux.type(`\x1b[<0;6;${row}M\x1b[<0;6;${row}m`)
    await tmux.waitForScreen((screen) => /betasvc\.1/.test(selected(screen)), 10_000, 'betasvc.1 selected by the click')
    // The wheel up over the table: three rows up, to the top (the group's line).
    await tmux.type(`\x1b[<64;6;${row}M`)
    await tmux.waitForScreen((screen) => /›\s*\S+\s+\[/.test(selected(screen)), 10_000, 'the group line selected by the wheel')
    // A terminal without SGR encoding clicks in the legacy form: ESC [ M, then button, column and row plus 32.
    // At column 82 the column byte is "r": read as a key, it would restart what is selected.
    const pids = (await s.home.status()).stacks[0].instances.map((i) => i.pid)
    const legacy = (button: number) => `\x1b[M${String.fromCodePoint(button + 32, 82 + 32, row + 32)}`
    await tmux.type(legacy(0) + legacy(3))
    await tmux.waitForScreen((screen) => /betasvc\.1/.test(selected(screen)), 10_000, 'betasvc.1 selected by the legacy click')
    await tmux.keys('q')
    const state = await tmux.waitForExit()
    expect((await s.home.status()).stacks[0].instances.map((i) => i.pid)).toEqual(pids)
    expect(state.exitStatus).toBe(0)
    expect(state.mouse).toBe(false)
    expect(TmuxDriver.notRestored(state)).toBeNull()
  })

  it('MAR_UI_FRAME_LOG naming a file that cannot be written is one line and exit 1, before the screen starts', async () => {
    const s = await setup({MAR_UI_FRAME_LOG: '/nonexistent-mar-dir/frames.log'})
    const tmux = await s.ui()
    const state = await tmux.waitForExit(15_000)
    expect(state.exitStatus).toBe(1)
    expect(TmuxDriver.notRestored(state)).toBeNull()
    expect(await tmux.capture({joinWrapped: true})).toContain('mar: MAR_UI_FRAME_LOG: cannot write /nonexistent-mar-dir/frames.log: its directory does not exist — name a file you can write, or unset MAR_UI_FRAME_LOG')
  })

  it('--no-mouse: no mouse reporting while the screen is up, so the terminal selects text as usual', async () => {
    const s = await setup()
    const tmux = await s.ui(['--no-mouse'])
    await tmux.waitForScreen((screen) => rowsOf(screen, 'alphasvc').length > 0, 15_000, 'the table')
    expect((await tmux.state()).mouse).toBe(false)
    await tmux.keys('q')
    expect(TmuxDriver.notRestored(await tmux.waitForExit())).toBeNull()
  })

  it('golden captures of the table, help, details and graph (UPDATE_GOLDEN=1 rewrites them)', async () => {
    const s = await setup()
    const tmux = await s.ui([], {color: true})
    await tmux.waitForScreen((screen) => screen.includes('alphasvc') && screen.includes('betasvc'), 15_000, 'both runners')
    // The sparklines start with the first usage sample: the table is shot once they are there.
    await tmux.waitForScreen((screen) => /[▁▂▃▄▅▆▇█]/.test(screen), 15_000, 'the first usage sample')
    const masks = await s.masks()
    const mismatches: string[] = []
    const shoot = async (name: string) => {
      const plain = await settled(tmux, masks)
      const colored = maskScreen(await tmux.capture({escapes: true}), {replace: masks})
      for (const [file, screen] of [[`tui/${name}.txt`, plain], [`tui/${name}.ansi`, colored]] as const) {
        const diff = checkGolden(file, screen)
        if (diff) mismatches.push(`test/golden/${file} differs (UPDATE_GOLDEN=1 to accept):\n--- expected\n${diff.expected}\n--- actual\n${diff.actual}`)
      }
      return plain
    }
    const table = await shoot('table')
    // Each view: its key, its own screen, then Escape back to the table.
    for (const [name, key, shows] of [['help', '?', /^keys/m], ['details', 'd', /^state /m], ['graph', 'g', /^dependency graph/m]] as const) {
      await tmux.keys(key)
      await tmux.waitForScreen((screen) => shows.test(screen) && maskScreen(screen, {replace: masks}) !== table, 10_000, `the ${name} view`)
      await shoot(name)
      await tmux.keys('Escape')
      // Back on the table: its column header is there again (live figures may have moved meanwhile).
      await tmux.waitForScreen((screen) => /NAME\s+HOST\s+STATE/.test(screen), 10_000, `the table again after the ${name} view`)
    }
    expect(mismatches.join('\n\n') || null).toBeNull()
  })
})
