// Foreground mode (`mar up -f`) is a daemon bound to a terminal: the same
// Daemon and runtime, for one stack, in this process, serving the same API
// on a socket of its own (MAR_HOME/foreground/STACK.sock) so that `mar
// status`, `mar logs -f` and the TUI work against it from another
// terminal. Its output is kept like the daemon's. Unlike the daemon it does
// not outlive itself: when it ends, so do its programs; and the next
// foreground run of the stack kills what a crashed one left behind (its
// journal says what that is).
import {rmSync} from 'node:fs'
import {join} from 'node:path'
import {ensureHome, foregroundSocket, marPaths, safeName, type MarPaths} from '../api/home.js'
import {inHome, socketPathProblem} from '../api/home-vet.js'
import type {WatchEvent} from '../api/protocol.js'
import type {OutputLine} from '../supervisor/output.js'
import type {StackPlan} from '../config/types.js'
import {createCgroupManager, sweepStaleForeground} from '../supervisor/cgroup.js'
import {MarError} from '../util/errors.js'
import {ApiServer} from './api-server.js'
import {Daemon} from './daemon.js'
import {Journal} from './journal.js'
import {InstanceLogs, StampClock, stopReclaimHelpers} from './logs/index.js'
import {acquireLock, foregroundLockKey} from './server.js'
import {spoolDirFor} from './paths.js'
import type {StackRuntime} from './stack-runtime.js'
import {killRecords} from './instance-ops.js'

export interface ForegroundStack {
  /** Start the stack; resolves once it has ended: every instance ended, or it was taken down (Ctrl-C, `mar down`). */
  run(): Promise<void>
  /** Stop every instance gracefully (dependents first). */
  stop(): Promise<void>
  /** Kill every instance now (a second Ctrl-C). */
  kill(): Promise<void>
  /** After the stack ended: store the last output, end the API's streams (followers get their last lines), release everything. */
  close(): Promise<void>
}

export interface ForegroundOptions {
  home?: string
  log?: (message: string) => void
  /**
   * What the terminal shows, in the order it happened: every change of the
   * stack (the events every watcher gets) and every line of output as it is
   * stored — an instance's last lines before its end.
   */
  onEvent(event: WatchEvent): void
  onLine(instance: string, line: OutputLine): void
}

export async function startForeground(plan: StackPlan, options: ForegroundOptions): Promise<ForegroundStack> {
  const paths: MarPaths = marPaths(options.home)
  ensureHome(paths)
  const socket = foregroundSocket(paths, plan.name)
  const tooLong = socketPathProblem(paths.home, socket)
  if (tooLong) throw tooLong
  const log = options.log ?? (() => {})
  const lock = await acquireLock(foregroundLockKey(paths.home, plan.name))
  if (!lock) {
    throw new MarError('stack-in-foreground', `the stack ${plan.name} already runs in the foreground (another \`mar up -f\`)`, {
      hint: 'stop it there with Ctrl-C, or follow it with `mar logs -f`',
    })
  }
  const journal = new Journal(join(paths.foreground, `${safeName(plan.name)}.journal`))
  killLeftovers(journal, log)
  sweepStaleForeground()
  const cgroups = createCgroupManager({namespace: `fg-${process.pid}`})
  const stamps = new StampClock()
  const daemon = new Daemon({
    paths,
    stamps,
    journal,
    stackStore: null,
    cgroups,
    createLogs: (dir, spec) => new InstanceLogs(dir, {maxSize: spec.maxSize, keep: spec.keep, stamps, spoolDir: spoolDirFor(paths, dir), onError: (error) => log(`logs ${dir}: ${error.message}`)}),
    log,
    role: 'foreground',
    keepAlive: false,
    onLine: (_stack, instance, line) => options.onLine(instance, line),
  })
  let stopRequested: () => void = () => {}
  const server = new ApiServer(daemon, {role: 'foreground', log, onStopRequested: () => stopRequested()})
  try {
    await inHome(paths.home, socket, 'listen on', () => server.listen(socket))
  } catch (error) {
    lock.release()
    cgroups.dispose()
    throw error
  }
  let removed: () => void = () => {}
  const gone = new Promise<void>((resolve) => (removed = resolve))
  const unsubscribe = daemon.subscribe((event) => {
    options.onEvent(event)
    if (event.kind === 'stack-removed' && event.stack === plan.name) removed()
  })
  let runtime: StackRuntime | undefined
  const stop = async () => {
    if (daemon.runtime(plan.name)) await daemon.down({name: plan.name}, []).catch(() => {})
  }
  stopRequested = () => void stop()
  return {
    async run() {
      await daemon.up(plan, [])
      runtime = daemon.runtime(plan.name)
      daemon.startSampling()
      if (runtime) await Promise.race([runtime.ended(), gone])
    },
    stop,
    kill: async () => {
      await runtime?.kill()
    },
    async close() {
      // Still subscribed while it stops: the terminal shows every instance's end.
      await daemon.shutdown(false)
      unsubscribe()
      // Closing the listener completes once its connections have: end them while it closes.
      const closed = server.stopListening()
      await server.endSessions('the stack stopped', true)
      await closed
      rmSync(socket, {force: true})
      lock.release()
      stopReclaimHelpers()
      cgroups.dispose()
    },
  }
}

/** Programs a foreground run that died (kill -9, a closed terminal) left running: they go. */
function killLeftovers(journal: Journal, log: (message: string) => void): void {
  const left = [...journal.load().values()].filter((record) => !record.ended)
  const killed = killRecords(left)
  left.forEach((record, i) => killed[i]! > 0 && log(`killed ${killed[i]} process(es) of ${record.instance} (run ${record.pid}) left by an earlier foreground run`))
  journal.compact([])
}
