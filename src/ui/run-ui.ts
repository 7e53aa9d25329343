// Runs the TUI on a terminal: ink and react are imported here, lazily, so no
// other command pays for them. Whatever ends the screen — `q`, Ctrl-C,
// SIGTERM, the daemon going away, every instance ready with
// --detach-on-ready — the terminal is given back as it was (the alternate
// screen left, the cursor shown, mouse reporting and raw mode off) before
// anything is printed.
import {closeSync, constants, openSync, writeSync} from 'node:fs'
import {MarError} from '../util/errors.js'
import type {DaemonClient} from '../api/client.js'
import type {StackPlan, UiApi} from './app.js'
import {MOUSE_OFF, MOUSE_ON, translateLegacyMouse} from './mouse.js'

export interface RunUiOptions {
  client: Pick<DaemonClient, 'call' | 'stream' | 'onClose'>
  stack: string | null
  reloadPlan?: () => Promise<StackPlan>
  readOnly: boolean
  detachOnReady: boolean
  /** Mouse reporting while the screen is up (default on); off, the terminal selects text as usual. */
  mouse?: boolean
  color: boolean
  stdout?: NodeJS.WriteStream
  stdin?: NodeJS.ReadStream
}

export type UiEnd = {reason: 'quit' | 'detached'} | {reason: 'signal'; signal: NodeJS.Signals} | {reason: 'lost'; message: string}

export async function runUi(options: RunUiOptions): Promise<UiEnd> {
  const [{render}, React, {App}, {loadKeyMap}] = await loadForLiveTerminal(() => Promise.all([import('ink'), import('react'), import('./app.js'), import('./keys.js'), import('./ink-caches.js').then((m) => m.shareInkCaches())]))
  const stdout = options.stdout ?? process.stdout
  const stdin = options.stdin ?? process.stdin
  const {keys, warning} = loadKeyMap()
  const frames = frameLog(process.env.MAR_UI_FRAME_LOG)
  const api: UiApi = {client: options.client, stack: options.stack, readOnly: options.readOnly, detachOnReady: options.detachOnReady, ...(options.reloadPlan ? {reloadPlan: options.reloadPlan} : {})}
  const tty = Boolean(stdout.isTTY)
  let settle: (end: UiEnd) => void = () => {}
  const ended = new Promise<UiEnd>((resolve) => (settle = resolve))
  const onSignal = (signal: NodeJS.Signals) => settle({reason: 'signal', signal})
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  process.on('SIGHUP', onSignal)
  const stopWatchingClose = options.client.onClose((error) => settle({reason: 'lost', message: error.message}))
  // The alternate screen: what was on the terminal before comes back untouched on exit. The
  // mouse reports clicks and the wheel (mouse.ts) while the screen is up, and only then: left on,
  // a shell would get escape sequences for every click and the terminal could not select text.
  const mouse = options.mouse ?? true
  if (tty) stdout.write(`\x1b[?1049h\x1b[H${mouse ? MOUSE_ON : ''}`)
  // A terminal without SGR mouse encoding answers in the legacy form, whose bytes would read as keys.
  const untranslate = mouse ? translateLegacyMouse(stdin) : () => {}
  const restore = () => {
    if (tty) stdout.write(`${MOUSE_OFF}\x1b[?25h\x1b[?1049l`)
  }
  // Even an exit nobody planned for (an uncaught error) gives the terminal back.
  process.once('exit', restore)
  const instance = render(
    React.createElement(App, {api, keys, color: options.color, onExit: (reason) => settle({reason}), ...(warning ? {notice: warning} : {})}),
    {stdout, stdin, exitOnCtrlC: false, patchConsole: false, maxFps: 60, ...frames.options},
  )
  const end = await ended
  // Reports stop before the keys stop being read: one arriving after would be typed at the shell.
  if (tty) stdout.write(MOUSE_OFF)
  process.off('SIGTERM', onSignal)
  process.off('SIGINT', onSignal)
  process.off('SIGHUP', onSignal)
  stopWatchingClose()
  instance.unmount()
  instance.cleanup()
  untranslate()
  frames.close()
  restore()
  process.off('exit', restore)
  // Said on the screen's status line while it ran, and once more where it stays readable.
  if (warning) process.stderr.write(`mar: ${warning}\n`)
  return end
}

/**
 * Two things are decided once, by the environment, when ink and react are
 * first loaded:
 * - React picks its build by NODE_ENV: unset, it is the development build,
 *   which costs several times the CPU per frame (a profile of an idle
 *   200-instance screen was mostly React's development checks).
 * - ink (through is-in-ci) draws nothing but the last frame when CI or
 *   CONTINUOUS_INTEGRATION is set — a blank screen until exit. `mar ui` only
 *   runs on a terminal, so a user (or a CI job) that has CI set in a real
 *   terminal still wants the live screen.
 * So while they load, NODE_ENV is production and the CI variables are hidden;
 * afterwards the environment is as it was: nothing mar starts inherits a
 * value the user did not set, or misses one they did.
 */
async function loadForLiveTerminal<T>(load: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string | undefined>()
  const set = (key: string, value: string | undefined) => {
    saved.set(key, process.env[key])
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  set('NODE_ENV', 'production')
  set('CI', undefined)
  set('CONTINUOUS_INTEGRATION', undefined)
  try {
    return await load()
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

/**
 * MAR_UI_FRAME_LOG=FILE: a line per frame ink draws — the time (ms since the
 * epoch) and how long ink took to lay it out and render it (ms). For finding
 * what makes the screen slow; see "Terminal UI" under Benchmarks in the README.
 * Opened once, before the screen starts: a path that cannot be written is one
 * line then, not an error thrown from inside a frame. A write that fails later
 * (a full disk) ends the log, not the screen.
 */
function frameLog(file: string | undefined): {options: {onRender?: (metrics: {renderTime: number}) => void}; close(): void} {
  if (!file) return {options: {}, close: () => {}}
  let fd: number | null
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'its directory does not exist' : code === 'EACCES' ? 'permission denied' : code === 'ELOOP' ? 'it is a symbolic link' : (error as Error).message
    throw new MarError('bad-output', `MAR_UI_FRAME_LOG: cannot write ${file}: ${why}`, {hint: 'name a file you can write, or unset MAR_UI_FRAME_LOG'})
  }
  const close = () => {
    if (fd !== null) closeSync(fd)
    fd = null
  }
  const onRender = ({renderTime}: {renderTime: number}) => {
    if (fd === null) return
    try {
      writeSync(fd, `${Date.now()} ${renderTime.toFixed(2)}\n`)
    } catch {
      close()
    }
  }
  return {options: {onRender}, close}
}
