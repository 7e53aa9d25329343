// Stopping an instance so that nothing of it survives: stop.cmd if given,
// the stop signal to the whole process group (and to any member of its
// cgroup, or carrier of its marker, that left the group), SIGKILL after the
// timeout, and finally cgroup.kill for whatever is left.
import type {Clock} from './clock.js'
import {sleep, timerMs} from './clock.js'
import type {ChildHandle} from './child.js'
import type {StopSpec} from './spec.js'
import type {ExitInfo} from './errors.js'
import {toArgv} from './command.js'
import {groupMembers, invalidateProcSnapshot, processesWithMarker, processesWithRunId, readProcStat, sendSignal} from './proc.js'

export interface TerminateOptions {
  stop: StopSpec
  clock: Clock
  /** Aborting this skips the rest of the grace period. */
  killSignal: AbortSignal
  env: Record<string, string>
  cwd: string
}

/** Every process that belongs to the instance, the main process included. */
export function remainingProcesses(handle: ChildHandle): number[] {
  if (handle.cgroup) return handle.cgroup.members()
  const found = groupMembers(handle.pid)
  const marked = handle.marker === null ? [] : processesWithMarker(handle.marker)
  const carriers = handle.scanEnv ? processesWithRunId(handle.runId) : []
  return marked.length + carriers.length === 0 ? found : [...new Set([...found, ...marked, ...carriers])]
}

/**
 * The stop signal goes to the instance's process group. A process that left
 * the group (setsid) gets it once the main process has ended (reapLeftovers),
 * and in every case whatever is left after the timeout is killed.
 */
function signalGroup(handle: ChildHandle, signal: NodeJS.Signals): void {
  sendSignal(-handle.pid, signal)
  invalidateProcSnapshot()
}

/**
 * Signal what is left of an instance once, each process once (a handler must
 * not run twice). `groupSignalled`: the group has had it already (a stop), so
 * only those that left the group get it now.
 */
function signalLeftovers(handle: ChildHandle, signal: NodeJS.Signals, groupSignalled: boolean): void {
  const groupAlive = groupSignalled || sendSignal(-handle.pid, signal)
  for (const pid of remainingProcesses(handle)) {
    if (!groupAlive || readProcStat(pid)?.pgrp !== handle.pid) sendSignal(pid, signal)
  }
  invalidateProcSnapshot()
}

function killAll(handle: ChildHandle): void {
  sendSignal(-handle.pid, 'SIGKILL')
  handle.cgroup?.kill()
  if (!handle.cgroup) for (const pid of remainingProcesses(handle)) sendSignal(pid, 'SIGKILL')
  invalidateProcSnapshot()
}

/** Resolve when `done` settles, `ms` passes, or `abort` fires; true if `done` won. (No AbortController: 200 stops made 200.) */
function waitFor(done: Promise<unknown>, ms: number, clock: Clock, abort: AbortSignal): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let settled = false
    const settle = (won: boolean) => {
      if (settled) return
      settled = true
      clock.clearTimeout(timer)
      abort.removeEventListener('abort', onAbort)
      resolve(won)
    }
    const onAbort = () => settle(false)
    const timer = clock.setTimeout(() => settle(false), Math.max(0, ms))
    if (abort.aborted) return settle(false)
    abort.addEventListener('abort', onAbort, {once: true})
    done.then(
      () => settle(true),
      () => settle(false),
    )
  })
}

async function runStopCommand(options: TerminateOptions, timeoutMs: number): Promise<void> {
  if (!options.stop.command) return
  const argv = toArgv(options.stop.command)
  // Loaded on first use: most stacks have no stop.cmd, and the daemon stays smaller without execa.
  const {execa} = await import('execa')
  await execa(argv.file, argv.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'ignore',
    reject: false,
    timeout: timerMs(timeoutMs),
    cleanup: true,
  }).catch(() => {})
}

/** Gracefully stop a running instance; resolves with the main process's exit. */
export async function terminate(handle: ChildHandle, options: TerminateOptions): Promise<ExitInfo> {
  const deadline = options.clock.now() + options.stop.timeoutMs
  const left = () => Math.max(0, deadline - options.clock.now())
  let groupSignalled = false
  if (!handle.hasExited() && !options.killSignal.aborted) {
    if (options.stop.command) await waitFor(runStopCommand(options, left()), left(), options.clock, options.killSignal)
    if (!handle.hasExited()) {
      signalGroup(handle, options.stop.signal)
      groupSignalled = true
    }
    await waitFor(handle.exited, left(), options.clock, options.killSignal)
  }
  if (!handle.hasExited()) killAll(handle)
  const exit = await handle.exited
  await reapLeftovers(handle, {...options, stop: {...options.stop, timeoutMs: left()}}, groupSignalled)
  return exit
}

/**
 * After the main process ended: give what it left behind (grandchildren,
 * daemons it forked) the rest of the grace period, then kill it, so no
 * orphan outlives its instance. They get the stop signal first: all of them
 * when the main process exited on its own (nobody has told them yet), those
 * outside the process group when it was stopped (`groupSignalled`): they
 * would otherwise sit out the rest of the grace period before SIGKILL.
 */
export async function reapLeftovers(handle: ChildHandle, options: TerminateOptions, groupSignalled = false): Promise<void> {
  // Look once the event loop has turned: when 200 instances end together,
  // their exits are handled first (so the kernel's other children are
  // reaped sooner) and one shared /proc scan then answers all 200.
  await new Promise<void>((resolve) => setImmediate(resolve))
  const alive = () => remainingProcesses(handle).length > 0
  if (alive()) {
    signalLeftovers(handle, options.stop.signal, groupSignalled)
    // Polls back off (10 ms, 20, 40… up to 200): a leftover that takes its
    // time to stop costs a /proc scan per poll, not one every 10 ms.
    const deadline = options.clock.now() + options.stop.timeoutMs
    let pause = 10
    while (alive() && options.clock.now() < deadline && !options.killSignal.aborted) {
      await sleep(options.clock, Math.min(pause, deadline - options.clock.now()), options.killSignal)
      pause = Math.min(pause * 2, 200)
    }
    if (alive()) killAll(handle)
    const killedBy = options.clock.now() + 2000
    for (pause = 10; alive() && options.clock.now() < killedBy; pause = Math.min(pause * 2, 200)) await sleep(options.clock, pause)
  }
  // rmdir can fail with EBUSY while the kernel is still tearing down the last task.
  for (let i = 0; i < 20 && handle.cgroup && !handle.cgroup.remove(); i++) await sleep(options.clock, 5)
}
