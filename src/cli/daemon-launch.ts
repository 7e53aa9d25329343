// Reaching the daemon from a command: connect to MAR_HOME's socket, and —
// for the commands that may — start the daemon in the background first.
// Two commands starting it at once is fine: one daemon wins the lock, the
// other exits, and both commands connect to the winner.
import {existsSync, openSync, closeSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {DaemonClient} from '../api/client.js'
import {ensureHome, marPaths, type MarPaths} from '../daemon/paths.js'
import {ExitCode, MarError} from '../util/errors.js'
import {DAEMON_ENV, DAEMON_NODE_FLAGS} from '../daemon/node-flags.js'

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'run.js'))) return dir
    dir = dirname(dir)
  }
  throw new Error('cannot find the mar package root')
}


export async function connectDaemon(options: {start: boolean; paths?: MarPaths}): Promise<DaemonClient> {
  const paths = options.paths ?? marPaths()
  try {
    return await DaemonClient.connect(paths.socket)
  } catch (error) {
    if (!options.start || (error as MarError).code !== 'daemon-unreachable') throw error
    if ((error as MarError).details?.errno === 'EACCES') throw error
  }
  await startDaemon(paths)
  return DaemonClient.connect(paths.socket)
}

/** Launch dist/daemon.js detached and wait until it answers. */
export async function startDaemon(paths: MarPaths, timeoutMs = 10_000): Promise<void> {
  ensureHome(paths)
  const entry = join(packageRoot(), 'dist', 'daemon.js')
  const logFd = openSync(paths.daemonLog, 'a', 0o600)
  // Loaded here: only a command that starts the daemon needs it.
  const {spawn} = await import('node:child_process')
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, entry], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: {...process.env, ...DAEMON_ENV, MAR_HOME: paths.home},
  })
  closeSync(logFd)
  let exited: number | null = null
  child.once('exit', (code) => (exited = code ?? 1))
  child.unref()
  const began = Date.now()
  const deadline = began + timeoutMs
  while (Date.now() < deadline) {
    try {
      const client = await DaemonClient.connect(paths.socket, 1000)
      client.close()
      return
    } catch {
      // not listening yet
    }
    // Exit code 1 from a daemon that lost the race for the lock is fine: another one is starting.
    if (exited !== null && exited !== 1) break
    if (exited === 1 && Date.now() - began > 2000 && !lockHeld(paths)) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const tail = readTail(paths.daemonLog, 5)
  throw new MarError('daemon-start-failed', `the mar daemon did not start within ${timeoutMs / 1000}s`, {
    hint: tail ? `its log (${paths.daemonLog}) ends with: ${tail}` : `see ${paths.daemonLog}`,
    exitCode: ExitCode.daemon,
  })
}

/** Whether some daemon holds MAR_HOME's lock (it may still be starting). */
function lockHeld(paths: MarPaths): boolean {
  try {
    const pid = Number(readFileSync(paths.lock, 'utf8').trim())
    return pid > 0 && existsSync(`/proc/${pid}`)
  } catch {
    return false
  }
}

function readTail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ')
  } catch {
    return ''
  }
}

/** Is a daemon answering? (for `mar daemon status` and `stop`) */
export async function probeDaemon(paths: MarPaths): Promise<DaemonClient | null> {
  try {
    return await DaemonClient.connect(paths.socket, 2000)
  } catch {
    return null
  }
}
