// The leaf Runner: one program, one instance. It reports `starting`,
// `running` (spawned) and how it ended; it is ready once spawned (a probe
// wrapper may replace that), or — for a oneshot — once it exited 0.
import {canBind, describePortInUse, portHolders} from './ports.js'
import {nanoid} from 'nanoid'
import {MarError} from '../util/errors.js'
import type {CommandSpec, StopSpec} from './spec.js'
import type {CgroupManager} from './cgroup.js'
import {adoptChild, spawnChild, SpawnError, type AdoptRecord, type ChildHandle} from './child.js'
import {precheckCommand} from './command.js'
import {describeExit, ExitError, SpawnFailed, type ExitInfo} from './errors.js'
import {because, noReason} from './reasons.js'
import type {OutputTarget} from './output.js'
import type {Runner, RunContext} from './runner.js'
import {openCgroup} from './cgroup.js'
import {reapLeftovers, terminate} from './terminate.js'

export interface ExecSpec {
  instance: string
  command: CommandSpec
  cwd: string
  env: Record<string, string>
  stop: StopSpec
  oneshot?: boolean
  /** Whether exiting 0 is expected (a oneshot, or restart on-failure/never); under `always` it is a crash. */
  exitZeroExpected?: boolean
  output: OutputTarget
  cgroups?: CgroupManager
  resources?: {cpu?: number; memory?: number}
  /** The TCP port it is given (PORT): checked to be free before each spawn. */
  port?: number
  /** A process a previous daemon started, to watch instead of spawning; asked once per run. */
  takeAdoption?: () => AdoptRecord | undefined
  /** Told about every spawn (the daemon records it for adoption). */
  onSpawn?: (record: AdoptRecord) => void
  /**
   * Told when the process is gone and cleaned up; `stopped`: it ended because
   * it was asked to stop. Its end is reported once what this returns settles
   * (the daemon stores the program's last output first).
   */
  onExit?: (record: AdoptRecord, exit: ExitInfo, stopped: boolean) => void | Promise<void>
}

function tryCall(fn: () => void): void {
  try {
    fn()
  } catch {
    // the observer reports its own failures
  }
}

/** Like tryCall, for an observer that may take a moment (it is waited for, never for ever: its own failures are its own). */
async function observed(fn: () => void | Promise<void>): Promise<void> {
  try {
    await fn()
  } catch {
    // the observer reports its own failures
  }
}

function recordOf(handle: ChildHandle): AdoptRecord {
  return {
    pid: handle.pid,
    startTime: handle.startTime,
    startedAt: handle.startedAt,
    runId: handle.runId,
    cgroupPath: handle.cgroup?.path,
  }
}

/** A previous daemon saw this run end (same boot): take its word rather than run it again. */
function reportEnded(spec: ExecSpec, ctx: RunContext, exit: ExitInfo): void {
  const at = ctx.clock.now()
  if (exit.code === 0) {
    ctx.emit({kind: 'instance', name: spec.instance, at, state: 'exited', pid: null, exit, why: because(spec.oneshot ? 'completed' : 'exited', 'exited: 0')})
    if (spec.oneshot) ctx.ready()
    return
  }
  ctx.emit({kind: 'instance', name: spec.instance, at, state: 'crashed', pid: null, exit, why: because('crashed', `exited: ${describeExit(exit)}`)})
  throw new ExitError(spec.instance, exit)
}

async function launch(spec: ExecSpec, ctx: RunContext, adopted: AdoptRecord | undefined): Promise<ChildHandle> {
  if (adopted) return adoptChild(adopted, ctx.clock, adopted.cgroupPath ? openCgroup(adopted.cgroupPath) : null)
  const problem = precheckCommand(spec.command, spec.env, spec.cwd)
  if (problem) throw new SpawnFailed(problem.reasonCode, `spawn failed: ${problem.message}`)
  // Its port held by another program: that is the failure, named with the holder — not a crash loop behind somebody else's green probe.
  if (spec.port !== undefined && !(await canBind(spec.port))) throw new SpawnFailed('port-in-use', describePortInUse(spec.port, portHolders(spec.port)))
  try {
    return await spawnChild({
      instance: spec.instance,
      runId: nanoid(10),
      command: spec.command,
      cwd: spec.cwd,
      env: spec.env,
      output: spec.output,
      cgroups: spec.cgroups,
      resources: spec.resources,
      clock: ctx.clock,
    })
  } catch (error) {
    if (error instanceof SpawnError) {
      const program = 'argv' in spec.command ? spec.command.argv[0] : '/bin/sh'
      if (error.errno === 'ENOENT') throw new SpawnFailed('spawn-not-found', `spawn failed: not found: ${program}`)
      if (error.errno === 'EACCES') throw new SpawnFailed('spawn-not-executable', `spawn failed: not executable: ${program}`)
      throw new SpawnFailed('spawn-failed', `spawn failed: ${error.message}`)
    }
    throw error
  }
}

export function exec(spec: ExecSpec): Runner {
  return async (ctx) => {
    const name = spec.instance
    const at = () => ctx.clock.now()
    if (ctx.signal.aborted) return
    const adopted = spec.takeAdoption?.()
    if (adopted?.ended) return reportEnded(spec, ctx, adopted.ended)
    ctx.emit({kind: 'instance', name, at: at(), state: 'starting', why: noReason})
    let handle: ChildHandle
    try {
      handle = await launch(spec, ctx, adopted)
    } catch (error) {
      const why = error instanceof SpawnFailed ? because(error.reasonCode, error.message) : because('spawn-failed', error instanceof Error ? error.message : String(error))
      ctx.emit({kind: 'instance', name, at: at(), state: 'crashed', pid: null, why})
      throw error
    }
    const record = recordOf(handle)
    // A failing observer (a journal on a full disk) must not lose track of a running program.
    tryCall(() => spec.onSpawn?.(record))
    ctx.emit({kind: 'instance', name, at: at(), state: 'running', pid: handle.pid, startedAt: handle.startedAt, why: noReason})
    if (!spec.oneshot) ctx.ready()

    const stopRequested = new Promise<'stop'>((resolve) => {
      if (ctx.signal.aborted) resolve('stop')
      ctx.signal.addEventListener('abort', () => resolve('stop'), {once: true})
    })
    const outcome = await Promise.race([handle.exited.then(() => 'exit' as const), stopRequested])
    const termination = {stop: spec.stop, clock: ctx.clock, killSignal: ctx.killSignal, env: spec.env, cwd: spec.cwd}

    if (outcome === 'stop' && !handle.hasExited()) {
      ctx.emit({kind: 'instance', name, at: at(), state: 'stopping'})
      const exit = await terminate(handle, termination)
      await handle.drained
      await observed(() => spec.onExit?.(record, exit, true))
      // Whoever asked for the stop says why (a user, a sibling's restart, a failed group).
      ctx.emit({kind: 'instance', name, at: at(), state: 'stopped', pid: null, exit, why: noReason})
      return
    }

    const exit = await handle.exited
    await reapLeftovers(handle, termination)
    await handle.drained
    await observed(() => spec.onExit?.(record, exit, ctx.signal.aborted))
    if (ctx.signal.aborted) {
      // It ended just as we were asked to stop: that is a stop, not a crash.
      ctx.emit({kind: 'instance', name, at: at(), state: 'stopped', pid: null, exit, why: noReason})
      return
    }
    if (exit.code === 0) {
      // README, "Instance states": `exited` for a oneshot or exit 0 under on-failure; a service under `always` should not end.
      const expected = spec.exitZeroExpected ?? true
      const why = expected ? because(spec.oneshot ? 'completed' : 'exited', 'exited: 0') : because('crashed', 'exited: 0 (unexpected for a service that restarts always)')
      ctx.emit({kind: 'instance', name, at: at(), state: expected ? 'exited' : 'crashed', pid: null, exit, why})
      if (spec.oneshot) ctx.ready()
      return
    }
    const reason = exit.code === null && exit.signal === null ? 'exited (status unknown: adopted process)' : `exited: ${describeExit(exit)}`
    ctx.emit({kind: 'instance', name, at: at(), state: 'crashed', pid: null, exit, why: because('crashed', reason)})
    throw new ExitError(name, exit)
  }
}
