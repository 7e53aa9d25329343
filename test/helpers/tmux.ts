// A real terminal for end-to-end tests of full-screen programs (`mar ui`):
// a private tmux server per program (`tmux -L <unique name>`, its socket in a
// temp TMUX_TMPDIR of its own, no user config), driven from outside —
// keys in, screen captured out — and torn down by pid.
//
// The program runs under a small sh wrapper in the pane, as it would under a
// user's shell: when it exits, the wrapper writes its exit status to a file,
// prints "[exited N]" on the screen the program left, and stays — so the
// terminal modes the program left (alternate screen, cursor, mouse) can be
// read from tmux afterwards, which a dead pane would not tell truthfully
// (tmux 3.3a hides the cursor of a pane that died).
//
// Why these tmux settings (written to the server's config so they hold
// before the program's first byte):
//   status off            the pane is exactly width × height (no status row)
//   remain-on-exit on     should the wrapper itself die, the pane stays
//   remain-on-exit-format ''   …without tmux's "Pane is dead" line on it
//   window-size manual    the size is what start()/resize() say, whatever
//                         clients (the control client of the bench) attach —
//                         set once the session exists: in the config file it
//                         makes tmux 3.3a's server exit at new-session -d
//   escape-time 0         Escape is not held back waiting for a sequence
//
// No sleeps as synchronisation: waitForScreen/waitForExit poll with a deadline.
import {execFile, spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {childrenOf, isAlive, killQuietly, waitFor} from './wait.js'

export interface TmuxStartOptions {
  width?: number
  height?: number
  /** Added to (undefined: removed from) this process's environment. */
  env?: Record<string, string | undefined>
  cwd?: string
  /** TERM inside the pane; tmux-256color by default. */
  term?: string
}

export interface CaptureOptions {
  /** Keep colors and attributes as SGR escapes (`capture-pane -e`). */
  escapes?: boolean
  /**
   * Join lines the terminal wrapped (`capture-pane -J`): a program that wrote
   * a line wider than the terminal shows as one line longer than the width.
   */
  joinWrapped?: boolean
}

/** The pane's terminal as the program left it (tmux's own flags for the pane). */
export interface TerminalState {
  /** The program exited (its wrapper keeps the pane). */
  dead: boolean
  exitStatus: number | null
  alternateScreen: boolean
  cursorVisible: boolean
  /** Any mouse reporting mode still on. */
  mouse: boolean
  /** Application cursor keys / keypad mode still on. */
  keypad: boolean
  width: number
  height: number
}

/** Every live driver of this test process, for killAllTmux() in an afterEach. */
const live = new Set<TmuxDriver>()
let counter = 0

/**
 * $1: the driver's directory; the rest: the program's argv. The program's
 * pid is written by the inner sh just before it execs the program. The
 * wrapper outlives a Ctrl-C sent to the program (a trap, which unlike an
 * ignored signal is not inherited through exec).
 */
const WRAPPER = `dir=$1; shift
trap : INT QUIT TERM
sh -c 'echo $$ > "$0/pid.tmp" && mv "$0/pid.tmp" "$0/pid" && exec "$@"' "$dir" "$@"
status=$?
echo "$status" > "$dir/status.tmp" && mv "$dir/status.tmp" "$dir/status"
printf '\\n[exited %s]\\n' "$status"
exec sleep 2147483647
`

const STATE_FORMAT = ['alternate_on', 'cursor_flag', 'mouse_any_flag', 'keypad_cursor_flag', 'keypad_flag', 'pane_width', 'pane_height'].map((f) => `#{${f}}`).join('\t')

export class TmuxDriver {
  /** The -L socket name, unique to this driver. */
  readonly socket: string
  /** The program's pid (argv is exec'd as given, a string through `sh -c`). */
  pid = 0
  /** The pane's process: the wrapper shell. */
  panePid = 0
  /** The tmux server's pid. */
  serverPid = 0
  private readonly dir: string
  private readonly env: NodeJS.ProcessEnv
  private killed = false
  /** Every pid seen under the pane, so kill() gets what it started even if they were re-parented. */
  private readonly seen = new Set<number>()

  private constructor(dir: string, socket: string, env: NodeJS.ProcessEnv) {
    this.dir = dir
    this.socket = socket
    this.env = env
  }

  /**
   * Start `cmd` in a fresh detached tmux server. An argv array is executed
   * directly (no shell); a string goes through `sh -c`.
   */
  static async start(cmd: string[] | string, options: TmuxStartOptions = {}): Promise<TmuxDriver> {
    const dir = mkdtempSync(join(tmpdir(), 'mtx-'))
    const socket = `mar-${process.pid}-${++counter}`
    writeFileSync(
      join(dir, 'tmux.conf'),
      [
        'set -g status off',
        'set -g remain-on-exit on',
        "set -g remain-on-exit-format ''",
        'set -g escape-time 0',
        'set -g history-limit 2000',
        `set -g default-terminal '${options.term ?? 'tmux-256color'}'`,
      ].join('\n') + '\n',
    )
    const env: NodeJS.ProcessEnv = {...process.env}
    // Not a client of whatever tmux the tests themselves run in.
    delete env.TMUX
    delete env.TMUX_PANE
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key]
      else env[key] = value
    }
    env.TMUX_TMPDIR = dir
    const driver = new TmuxDriver(dir, socket, env)
    live.add(driver)
    const argv = typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd
    writeFileSync(join(dir, 'wrap.sh'), WRAPPER)
    try {
      // The server inherits this client's environment as its global one: the pane gets `env`.
      await driver.tmux(['new-session', '-d', '-s', 'main', '-x', String(options.width ?? 120), '-y', String(options.height ?? 40), ...(options.cwd ? ['-c', options.cwd] : []), '--', 'sh', join(dir, 'wrap.sh'), dir, ...argv, ';', 'set-option', '-g', 'window-size', 'manual'])
      const [pane, server] = (await driver.tmux(['display-message', '-p', '-t', 'main', '#{pane_pid} #{pid}'])).trim().split(' ').map(Number)
      driver.panePid = pane
      driver.serverPid = server
      driver.seen.add(pane)
      driver.pid = await waitFor('the program in tmux to start', () => Number(readFileSync(join(dir, 'pid'), 'utf8').trim()) || null, 10_000, 5)
      driver.seen.add(driver.pid)
    } catch (error) {
      await driver.kill()
      throw error
    }
    return driver
  }

  /** Run a tmux command against this driver's server; resolves with its stdout. */
  tmux(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('tmux', ['-L', this.socket, '-f', join(this.dir, 'tmux.conf'), ...args], {env: this.env, timeout: 10_000}, (error, stdout, stderr) => {
        if (error) reject(new Error(`tmux ${args.join(' ')}: ${stderr.trim() || error.message}`))
        else resolve(stdout)
      })
    })
  }

  /**
   * Press keys, each a tmux key name: 'j', 'q', '/', 'Enter', 'Escape',
   * 'Tab', 'Up', 'PageDown', 'C-c', 'BSpace'. Text to type: type().
   */
  async keys(...keys: string[]): Promise<void> {
    this.remember()
    for (const key of keys) await this.tmux(['send-keys', '-t', 'main', key])
  }

  /** Type text literally (no key-name lookup). */
  async type(text: string): Promise<void> {
    this.remember()
    await this.tmux(['send-keys', '-t', 'main', '-l', text])
  }

  /** The visible screen, one line per row (trailing spaces trimmed by tmux), with SGR escapes if asked. */
  async capture(options: CaptureOptions = {}): Promise<string> {
    const out = await this.tmux(['capture-pane', '-p', '-t', 'main', ...(options.escapes ? ['-e'] : []), ...(options.joinWrapped ? ['-J'] : [])])
    return out.endsWith('\n') ? out.slice(0, -1) : out
  }

  /** Resize the window (and the pane: status is off); the program gets SIGWINCH. */
  async resize(width: number, height: number): Promise<void> {
    await this.tmux(['resize-window', '-t', 'main', '-x', String(width), '-y', String(height)])
  }

  /** The program's exit status (128 + N for signal N), null while it runs. */
  exitStatus(): number | null {
    try {
      const text = readFileSync(join(this.dir, 'status'), 'utf8').trim()
      return text === '' ? null : Number(text)
    } catch {
      return null
    }
  }

  async state(): Promise<TerminalState> {
    const status = this.exitStatus()
    const [alt, cursor, mouse, keypadCursor, keypad, width, height] = (await this.tmux(['display-message', '-p', '-t', 'main', STATE_FORMAT])).trim().split('\t')
    return {
      dead: status !== null,
      exitStatus: status,
      alternateScreen: alt === '1',
      cursorVisible: cursor === '1',
      mouse: mouse === '1',
      keypad: keypadCursor === '1' || keypad === '1',
      width: Number(width),
      height: Number(height),
    }
  }

  /**
   * Poll the screen until `predicate` holds (a string: contained; a RegExp:
   * matches); resolves with that screen. On timeout the error shows the last screen.
   */
  async waitForScreen(predicate: string | RegExp | ((screen: string) => boolean), timeoutMs = 10_000, what?: string): Promise<string> {
    const test = typeof predicate === 'string' ? (s: string) => s.includes(predicate) : predicate instanceof RegExp ? (s: string) => predicate.test(s) : predicate
    const label = what ?? (typeof predicate === 'function' ? 'the screen to match' : `the screen to show ${predicate}`)
    let last = ''
    try {
      return await waitFor(
        label,
        async () => {
          last = await this.capture()
          return test(last) ? last : null
        },
        timeoutMs,
        20,
      )
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- last screen ---\n${last}\n---`)
    }
  }

  /** Wait for the program to exit; resolves with the terminal it left. */
  async waitForExit(timeoutMs = 10_000): Promise<TerminalState> {
    await waitFor('the program in tmux to exit', () => this.exitStatus() !== null, timeoutMs, 10)
    return this.state()
  }

  /** The program still runs (read from /proc: no tmux call). */
  isAlive(): boolean {
    return this.pid > 0 && isAlive(this.pid)
  }

  /**
   * Is the terminal as a shell would want it back: alternate screen left,
   * cursor shown, mouse reporting and keypad mode off. Null when it is;
   * otherwise what is wrong.
   */
  static notRestored(state: TerminalState): string | null {
    const wrong = [state.alternateScreen && 'still on the alternate screen', !state.cursorVisible && 'cursor hidden', state.mouse && 'mouse reporting on', state.keypad && 'keypad mode on'].filter(Boolean)
    return wrong.length > 0 ? wrong.join(', ') : null
  }

  /**
   * A persistent control-mode client (`tmux -C attach`): commands without a
   * process start each, and %output notifications as the program writes — for
   * timing (bench/tui.mjs). It does not resize the window (window-size manual).
   */
  control(): ControlClient {
    const child = spawn('tmux', ['-L', this.socket, '-f', join(this.dir, 'tmux.conf'), '-C', 'attach-session', '-t', 'main'], {env: this.env, stdio: ['pipe', 'pipe', 'pipe']})
    const client = new ControlClient(child)
    // tmux starts following a pane for a control client at the pane's first output after the
    // attach, and counts that output as already sent: a frame that came right after attaching
    // was never notified (the bench's first key, the driver's own test: 4 in 40 with three busy
    // loops). Turning the pane on registers it first, so every output after `ready` is told.
    client.ready = client.attached
      .then(() => client.command(`display-message -p -t main '#{pane_id}'`))
      .then(([pane]) => client.command(`refresh-client -A '${pane}:on'`))
      .then(() => undefined)
    return client
  }

  /** Kill the program (and what it started) by pid, the tmux server, and remove the socket directory. Safe twice. */
  async kill(): Promise<void> {
    live.delete(this)
    if (this.killed) return
    this.killed = true
    this.remember()
    for (const pid of this.seen) if (isAlive(pid)) killQuietly(pid)
    if (this.serverPid) {
      await this.tmux(['kill-server']).catch(() => undefined)
      await waitFor('the tmux server to exit', () => !isAlive(this.serverPid), 5000).catch(() => killQuietly(this.serverPid))
    }
    rmSync(this.dir, {recursive: true, force: true})
  }

  /** Note the pane's descendants now (a child re-parented after the pane dies is still found). */
  private remember(): void {
    const queue = [...this.seen].filter(isAlive)
    while (queue.length > 0) {
      for (const child of childrenOf(queue.pop()!)) {
        if (!this.seen.has(child)) {
          this.seen.add(child)
          queue.push(child)
        }
      }
    }
  }
}

/** Start a program in a private tmux (see TmuxDriver.start). */
export const startTmux = (cmd: string[] | string, options?: TmuxStartOptions) => TmuxDriver.start(cmd, options)

/** Kill every driver this process started and has not killed: for afterEach. */
export async function killAllTmux(): Promise<void> {
  for (const driver of [...live]) await driver.kill()
}

/**
 * tmux control mode: one line per notification; a command's reply is framed
 * by %begin/%end (or %error). Replies come in the order commands were sent.
 */
export class ControlClient {
  /** Resolves once %output of the main pane is sure to be told: await it before timing anything (see TmuxDriver.control). */
  ready: Promise<void> = Promise.resolve()
  /** Resolves when tmux says this client is attached (`%session-changed`): before it, a command about "this client" fails. */
  readonly attached: Promise<void>
  private onAttached: () => void = () => {}
  private buffer = ''
  private readonly pending: Array<{resolve(lines: string[]): void; reject(error: Error): void}> = []
  private reply: string[] | null = null
  private readonly outputListeners = new Set<(data: string, at: number) => void>()
  readonly exited: Promise<void>

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.attached = new Promise((resolve) => (this.onAttached = resolve))
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => this.feed(chunk))
    this.exited = new Promise((resolve) => child.once('close', () => {
      this.onAttached() // never attached: what waits for it goes on, and its commands fail as the client exited
      for (const p of this.pending.splice(0)) p.reject(new Error('the tmux control client exited'))
      resolve()
    }))
  }

  /** Send a command; resolves with its reply lines. */
  command(line: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({resolve, reject})
      this.child.stdin.write(line + '\n')
    })
  }

  /** Called with each %output's data (octal escapes decoded) and performance.now() when it arrived. */
  onOutput(listener: (data: string, at: number) => void): () => void {
    this.outputListeners.add(listener)
    return () => this.outputListeners.delete(listener)
  }

  async close(): Promise<void> {
    this.child.stdin.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000)
    await this.exited
    clearTimeout(timer)
  }

  private feed(chunk: string): void {
    const at = performance.now()
    this.buffer += chunk
    let newline: number
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline)
      this.buffer = this.buffer.slice(newline + 1)
      this.line(line, at)
    }
  }

  private line(line: string, at: number): void {
    if (this.reply) {
      if (line.startsWith('%end ') || line.startsWith('%error ')) {
        const lines = this.reply
        this.reply = null
        // Only a block whose flags say this client sent the command answers one (`%begin TIME NUMBER 1`);
        // the block of attaching itself has flags 0, and may come before or after the first reply.
        if (!this.ours) return
        const waiter = this.pending.shift()
        if (!waiter) return
        if (line.startsWith('%error ')) waiter.reject(new Error(`tmux: ${lines.join('\n')}`))
        else waiter.resolve(lines)
      } else this.reply.push(line)
      return
    }
    if (line.startsWith('%session-changed ')) this.onAttached()
    if (line.startsWith('%begin ')) {
      this.reply = []
      this.ours = line.trim().split(' ')[3] === '1'
    }
    else if (line.startsWith('%output ')) {
      const data = line.slice(line.indexOf(' ', 8) + 1).replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
      for (const listener of this.outputListeners) listener(data, at)
    }
  }

  /** Whether the block being read answers a command of this client. */
  private ours = false
}
