// The tmux driver (test/helpers/tmux.ts) proven against plain programs, so
// the TUI's end-to-end tests (test/e2e/tui.test.ts) can trust it.
import {existsSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'
import {killAllTmux, startTmux, TmuxDriver} from '../helpers/tmux.js'
import {childrenOf, cmdlineOf, isAlive, waitFor} from '../helpers/wait.js'

afterEach(killAllTmux)

const node = process.execPath
/** Prints its terminal size at start and on every SIGWINCH; exits on `q`. */
const sizeReporter = `process.stdin.setRawMode(true); const say = () => console.log('size', process.stdout.columns, process.stdout.rows); say(); process.stdout.on('resize', say); process.stdin.on('data', (d) => { if (String(d) === 'q') process.exit(0) })`

describe('tmux driver', () => {
  it('runs a program at the given size and environment, sends keys and text, captures the screen, and sees it exit with its status', async () => {
    const tmux = await startTmux(['sh', '-c', 'echo "hello $GREETING $(pwd)"; read x; echo "got $x"; exit 3'], {width: 100, height: 20, env: {GREETING: 'there'}, cwd: '/tmp'})
    expect(tmux.isAlive()).toBe(true)
    const screen = await tmux.waitForScreen('hello there /tmp')
    expect(screen.split('\n')).toHaveLength(20)
    await tmux.type('a b')
    await tmux.keys('Enter')
    await tmux.waitForScreen('got a b')
    const state = await tmux.waitForExit()
    expect(state).toMatchObject({dead: true, exitStatus: 3, alternateScreen: false, width: 100, height: 20})
    expect(tmux.isAlive()).toBe(false)
    // As after a shell's prompt: what the program left, then the wrapper's line.
    const after = await tmux.capture()
    expect(after).toMatch(/got a b\n\n\[exited 3\]/)
    expect(after).not.toContain('Pane is dead')
  })

  it('a string command goes through sh; variables can be removed from the environment', async () => {
    process.env.MAR_TMUX_DRIVER_PROBE = 'set'
    try {
      const tmux = await startTmux('echo "[${MAR_TMUX_DRIVER_PROBE:-unset}] [$TERM]"; read x', {env: {MAR_TMUX_DRIVER_PROBE: undefined}})
      await tmux.waitForScreen('[unset] [tmux-256color]')
    } finally {
      delete process.env.MAR_TMUX_DRIVER_PROBE
    }
  })

  it('Ctrl-C reaches the program (not the wrapper), which dies of it', async () => {
    const tmux = await startTmux(['sleep', '300'])
    expect(tmux.isAlive()).toBe(true)
    await tmux.keys('C-c')
    expect((await tmux.waitForExit()).exitStatus).toBe(130)
    await tmux.waitForScreen('[exited 130]')
  })

  it('resize reaches the program as SIGWINCH and the pane is exactly the size asked (no status line)', async () => {
    const tmux = await startTmux([node, '-e', sizeReporter], {width: 120, height: 40})
    await tmux.waitForScreen('size 120 40')
    await tmux.resize(80, 24)
    await tmux.waitForScreen('size 80 24')
    expect(await tmux.state()).toMatchObject({width: 80, height: 24, dead: false})
    expect((await tmux.capture()).split('\n')).toHaveLength(24)
    await tmux.keys('q')
    expect((await tmux.waitForExit()).exitStatus).toBe(0)
  })

  it('captures colors with escapes only when asked', async () => {
    const tmux = await startTmux(`printf '\\033[31mred\\033[0m plain\\n'; read x`)
    const plain = await tmux.waitForScreen('red plain')
    expect(plain).not.toContain('\u001b[')
    expect(await tmux.capture({escapes: true})).toMatch(/\u001b\[31mred\u001b\[(0|39)m plain/)
  })

  it('joinWrapped shows a line written wider than the terminal as one line', async () => {
    const tmux = await startTmux(`printf '%0100d\\n' 0; read x`, {width: 80, height: 10})
    await tmux.waitForScreen('0000')
    expect(Math.max(...(await tmux.capture()).split('\n').map((l) => l.length))).toBe(80)
    expect(Math.max(...(await tmux.capture({joinWrapped: true})).split('\n').map((l) => l.length))).toBe(100)
  })

  it('tells a program that restored the terminal from one that left it on the alternate screen with the cursor hidden and the mouse on', async () => {
    const tidy = await startTmux(`printf 'shell line\\n\\033[?1049h\\033[?25l\\033[?1000h'; echo full screen; read x; printf '\\033[?1000l\\033[?1049l\\033[?25h'`)
    await tidy.waitForScreen('full screen')
    const during = await tidy.state()
    expect(TmuxDriver.notRestored(during)).toBe('still on the alternate screen, cursor hidden, mouse reporting on')
    expect(await tidy.capture()).not.toContain('shell line')
    await tidy.keys('Enter')
    const after = await tidy.waitForExit()
    expect(TmuxDriver.notRestored(after)).toBeNull()
    // Back on the normal screen: what was there before shows again.
    const screen = await tidy.capture()
    expect(screen).toContain('shell line')
    expect(screen).not.toContain('full screen')

    const messy = await startTmux(`printf '\\033[?1049h\\033[?25l'; echo full screen; read x`)
    await messy.waitForScreen('full screen')
    await messy.keys('Enter')
    expect(TmuxDriver.notRestored(await messy.waitForExit())).toBe('still on the alternate screen, cursor hidden')
  })

  it('waitForScreen fails with the last screen in the message', async () => {
    const tmux = await startTmux('echo something else; read x')
    await tmux.waitForScreen('something else')
    await expect(tmux.waitForScreen('never there', 300)).rejects.toThrow(/never there[\s\S]*last screen[\s\S]*something else/)
  })

  it('a control client sends commands and sees output as the program writes it, without resizing the window', async () => {
    const tmux = await startTmux(['sh', '-c', 'while read x; do echo "key $x"; done'], {width: 90, height: 30})
    const control = tmux.control()
    try {
      // Until ready, tmux may count the pane's first output as already told (see TmuxDriver.control).
      await control.ready
      const outputs: string[] = []
      control.onOutput((data) => outputs.push(data))
      expect(await control.command('display-message -p "#{window_width}x#{window_height}"')).toEqual(['90x30'])
      await control.command('send-keys -t main z Enter')
      await waitFor('the output notification', () => outputs.join('').includes('key z'))
      await expect(control.command('no-such-command')).rejects.toThrow(/unknown command/)
      expect((await tmux.state()).width).toBe(90)
    } finally {
      await control.close()
    }
  })

  it('kill() ends the program, what it started, and the server, and removes the socket directory', async () => {
    const tmux = await startTmux(['sh', '-c', 'sleep 300 & echo started; wait'])
    await tmux.waitForScreen('started')
    const [sleeper] = await waitFor('the background sleep', () => {
      const found = childrenOf(tmux.pid).filter((pid) => cmdlineOf(pid)[0] === 'sleep')
      return found.length > 0 ? found : null
    })
    const server = tmux.serverPid
    const pane = tmux.pid
    const socketDir = (await tmux.tmux(['display-message', '-p', '#{socket_path}'])).trim()
    expect(existsSync(socketDir)).toBe(true)
    await tmux.kill()
    expect(isAlive(pane)).toBe(false)
    expect(isAlive(sleeper)).toBe(false)
    expect(isAlive(server)).toBe(false)
    expect(existsSync(socketDir)).toBe(false)
    await tmux.kill()
  })
})
