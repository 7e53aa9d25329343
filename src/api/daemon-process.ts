// How the daemon process is started, wherever it is started: by a client
// that finds none running (mar up, mar daemon start, mar daemon dial-stdio)
// or by systemd's unit (src/systemd/startup-unit.ts uses the same flags).
import {closeSync, existsSync, readFileSync} from 'node:fs'
import {openPrivateAppend} from '../util/private-files.js'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {MarError} from '../util/errors.js'
import {ensureHome, type MarPaths} from './home.js'
import {inHome} from './home-vet.js'
import {connectSocket} from './transports.js'

// Node's flags for the daemon. The daemon mostly waits for the kernel;
// its memory matters more than its JavaScript speed, and a smaller daemon
// also forks its instances faster (fork copies page tables: 0.96 ms per
// spawn from a 51 MB process, 1.52 ms from 83 MB, measured here).
//   --lite-mode             V8 without its optimizing compiler and its
//                           feedback: 200 instances cost 54 MB, not 61 MB.
//   --max-semi-space-size=1 a young generation of 1 MB instead of up to 16 MB
//                           per semi-space: a few more sub-millisecond
//                           scavenges, ~15 MB less RSS.
//   --no-expose-wasm        the daemon runs no WebAssembly; lite mode would
//                           otherwise warn that it turns wasm off.
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1', '--lite-mode', '--no-expose-wasm']

/**
 * The daemon's own environment additions. glibc gives each thread (libuv's
 * pool, V8's helpers) its own malloc arena; one arena keeps ~4 MB of RSS
 * that several would hold. Instances do not inherit it: their environment
 * comes from the plan.
 */
export const DAEMON_ENV: Record<string, string> = {MALLOC_ARENA_MAX: '1'}

/** The installed package's root (where bin/run.js and dist/ are). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'run.js'))) return dir
    dir = dirname(dir)
  }
  throw new Error('cannot find the mar package root')
}

/**
 * What a started daemon runs: a script and its arguments, given to
 * `node DAEMON_NODE_FLAGS script args…`. The CLI's default is dist/daemon.js
 * of this package; mar's agent on a remote host (src/remote/agent-main.ts,
 * one self-contained file with no package around it) sets itself here, so
 * the daemon it starts is `node …/mar.cjs daemon run --background`.
 */
export interface DaemonEntry {
  script: string
  args: string[]
}

let daemonEntry: DaemonEntry | null = null

/** Make startDaemon run this entry instead of dist/daemon.js (the agent, once, at its start). */
export function setDaemonEntry(entry: DaemonEntry): void {
  daemonEntry = entry
}

function currentDaemonEntry(): DaemonEntry {
  return daemonEntry ?? {script: join(packageRoot(), 'dist', 'daemon.js'), args: []}
}

/**
 * Launch the daemon (dist/daemon.js, or the entry set by setDaemonEntry) detached and wait until it answers. Two callers
 * starting it at once is fine: one daemon wins the lock, the other exits,
 * and both callers reach the winner.
 */
export async function startDaemon(paths: MarPaths, timeoutMs = 10_000, options: {allowFull?: boolean} = {}): Promise<void> {
  // `mar daemon start` comes up on a full disk (to take over what runs); `mar up` refuses to start new work there.
  ensureHome(paths, options)
  const entry = currentDaemonEntry()
  const logFd = await inHome(paths.home, paths.daemonLog, 'open', () => openPrivateAppend(paths.daemonLog))
  // Loaded here: only a caller that starts the daemon needs it.
  const {spawn} = await import('node:child_process')
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, entry.script, ...entry.args], {
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
    if (await answers(paths.socket)) return
    // Exit code 1 from a daemon that lost the race for the lock is fine: another one is starting.
    if (exited !== null && exited !== 1) break
    if (exited === 1 && Date.now() - began > 2000 && !lockHeld(paths)) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const tail = readTail(paths.daemonLog, 5)
  const what = exited !== null && exited !== 1 ? `the mar daemon exited at start-up (exit ${exited})` : `the mar daemon did not start within ${timeoutMs / 1000}s`
  throw new MarError('daemon-start-failed', what, {
    hint: tail ? `its log (${paths.daemonLog}) ends with: ${tail}` : `see ${paths.daemonLog}`,
  })
}

async function answers(socket: string): Promise<boolean> {
  try {
    ;(await connectSocket(socket, 1000)).close()
    return true
  } catch {
    return false
  }
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
