// The daemon process: take the lock, listen, adopt or bring back the stacks
// that were up, tell systemd it is ready, and on SIGTERM stop everything
// gracefully. `mar daemon run` runs this in the foreground; `mar up` and
// `mar daemon start` run dist/daemon.js in the background.
import {marVersion} from '../util/version.js'
import {withCurrentAgent} from '../remote/agent-upgrade.js'
import {rmSync} from 'node:fs'
import {appendPrivate, writePrivateAtomic} from '../util/private-files.js'
import {createHash} from 'node:crypto'
import {createCgroupManager} from '../supervisor/cgroup.js'
import {ExitCode, type MarError} from '../util/errors.js'
import {ensureHome, marPaths, type MarPaths} from '../api/home.js'
import {inHome} from '../api/home-vet.js'
import {connectSocket} from '../api/transports.js'
import {ApiServer} from './api-server.js'
import {Daemon} from './daemon.js'
import {Journal} from './journal.js'
import {InstanceLogs, StampClock, stopReclaimHelpers} from './logs/index.js'
import {acquireLock, daemonLockPath, type HeldLock} from './server.js'
import {spoolDirFor} from './paths.js'
import {StackStore} from './stack-store.js'
import {closeInheritedFds} from './inherited-fds.js'
import {notifySystemd} from './systemd-notify.js'
import {pruneLogs} from './log-prune.js'

export interface DaemonOptions {
  home?: string
  /** Log to stderr (mar daemon run) rather than MAR_HOME/daemon.log. */
  foreground: boolean
  /**
   * When another daemon holds MAR_HOME, ask it to step down leaving its
   * services running, and adopt them (mar daemon run, e.g. under systemd
   * after `mar up` started a daemon by hand). Otherwise just exit.
   */
  takeOver?: boolean
}

/** Ask the daemon that holds the lock to stop with --keep, then take the lock. */
async function takeLockFrom(paths: MarPaths, log: (m: string) => void): Promise<HeldLock | null> {
  try {
    const client = await connectSocket(paths.socket, 2000)
    log(`taking over from the running daemon (pid ${client.peer.pid}); its services keep running`)
    await client.call('daemon-stop', {keep: true}).catch(() => {})
    client.close()
  } catch {
    // It holds the lock but does not answer yet (still starting): wait for it below.
  }
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const lock = await acquireLock(daemonLockPath(paths.home))
    if (lock) return lock
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return null
}

function makeLogger(paths: MarPaths, foreground: boolean): (message: string) => void {
  return (message) => {
    const line = `${new Date().toISOString()} mar daemon[${process.pid}]: ${message}\n`
    if (foreground) process.stderr.write(line)
    else {
      try {
        appendPrivate(paths.daemonLog, line)
      } catch {
        // nowhere left to complain to
      }
    }
  }
}

/** Runs until stopped; resolves with the process exit code. */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  closeInheritedFds()
  const paths = marPaths(options.home)
  let full = false
  try {
    full = ensureHome(paths, {allowFull: true}) === 'full'
  } catch (error) {
    process.stderr.write(`mar: ${(error as MarError).toLine?.() ?? (error as Error).message}\n`)
    return ExitCode.daemon
  }
  const log = makeLogger(paths, options.foreground)
  const lock = (await acquireLock(daemonLockPath(paths.home))) ?? (options.takeOver ? await takeLockFrom(paths, log) : null)
  if (!lock) {
    process.stderr.write(`mar: a daemon is already running for ${paths.home}\n`)
    return 1
  }
  process.on('uncaughtException', (error) => log(`uncaught: ${error.stack ?? error.message}`))
  process.on('unhandledRejection', (error) => log(`unhandled rejection: ${error instanceof Error ? error.stack : String(error)}`))

  const cgroups = createCgroupManager({namespace: createHash('sha256').update(paths.home).digest('hex').slice(0, 16)})
  // The journal tells the daemon when its records cannot be written (a full disk) and when they can again.
  let daemon: Daemon | undefined
  const journal = new Journal(paths.journal, (why) => daemon?.recordsProblem('journal', why))
  const stamps = new StampClock()
  daemon = new Daemon({
    paths,
    stamps,
    journal,
    stackStore: new StackStore(paths.stacks),
    cgroups,
    createLogs: (dir, spec) => new InstanceLogs(dir, {maxSize: spec.maxSize, keep: spec.keep, stamps, spoolDir: spoolDirFor(paths, dir), onError: (error) => log(`logs ${dir}: ${error.message}`)}),
    log,
    role: 'daemon',
    keepAlive: true,
    // Remote hosts over the system's ssh, each running this version's agent (src/remote); loaded when a stack has one.
    dialHost: (host, plan) =>
      withCurrentAgent(
        async () => {
          const {connectHost} = await import('../remote/connect-host.js')
          return connectHost({name: host.name, ssh: host.ssh!}, {home: paths.home, sshConfig: plan.sshConfig})
        },
        marVersion(),
        log,
      ),
  })

  let resolveDone!: (code: number) => void
  const done = new Promise<number>((resolve) => (resolveDone = resolve))
  let stopping = false
  const stop = async (keep: boolean, why: string) => {
    if (stopping) return
    stopping = true
    log(`stopping (${why})${keep ? ', leaving services running' : ''}`)
    // systemd's TimeoutStopSec would cut a long graceful stop short: ask for what it needs.
    const needMs = daemon.stopBoundMs() + 10_000
    notifySystemd(keep ? 'STOPPING=1' : `STOPPING=1\nEXTEND_TIMEOUT_USEC=${needMs * 1000}`)
    // No new connections; the open ones (followers, watchers) end once the stacks are down.
    const closed = server.stopListening()
    await daemon.shutdown(keep)
    await server.endSessions(keep ? 'the daemon stopped (services left running)' : 'the daemon stopped', !keep)
    await closed
    rmSync(paths.socket, {force: true})
    rmSync(paths.lock, {force: true})
    lock.release()
    stopReclaimHelpers()
    if (!keep) cgroups.dispose()
    log('stopped')
    resolveDone(0)
  }

  const server = new ApiServer(daemon, {
    role: 'daemon',
    log,
    onStopRequested: (keep) => void stop(keep, keep ? 'mar daemon stop --keep, or a new daemon taking over' : 'mar daemon stop'),
  })
  try {
    await inHome(paths.home, paths.socket, 'listen on', () => server.listen(paths.socket))
    // Only a record of the pid: a full disk must not keep the daemon from taking over what runs (it is written once space returns).
    const writePid = () => writePrivateAtomic(paths.lock, `${process.pid}\n`)
    await inHome(paths.home, paths.lock, 'write', () => {
      try {
        writePid()
        if (full) daemon!.recordsProblem('home', `${paths.home}: no space left on the device`, () => true)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error
        daemon!.recordsProblem('home', `${paths.home}: no space left on the device`, () => {
          try {
            writePid()
            return true
          } catch {
            return false
          }
        })
      }
    })
  } catch (error) {
    // Told to whoever started it (stderr: the terminal, systemd's journal, or daemon.log that startDaemon reads back).
    const line = (error as MarError).toLine?.() ?? (error as Error).message
    process.stderr.write(`mar: ${line}\n`)
    lock.release()
    cgroups.dispose()
    return ExitCode.daemon
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(false, signal))
  process.on('SIGHUP', () => log('SIGHUP ignored (use mar reload to re-read a stack)'))
  log(`listening on ${paths.socket} (${cgroups.mode}: ${cgroups.reason})`)
  notifySystemd('READY=1')
  await daemon.resurrect()
  // Logs of stacks taken down stay readable for a week after their last line, then go (README, "Logs").
  const prune = () =>
    void pruneLogs(paths, {inUse: (stack, instance) => daemon.logsInUse(stack, instance)})
      .then((pruned) => pruned.length > 0 && log(`pruned the logs of ${pruned.join(', ')} (nothing written for 7 days)`))
      .catch((error: Error) => log(`pruning logs: ${error.message}`))
  prune()
  setInterval(prune, 24 * 3600_000).unref()
  return done
}
