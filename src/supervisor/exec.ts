// The leaf Runner: one program, one instance. It reports `starting`,
// `running` (spawned) and how it ended; it is ready once spawned (a probe
// wrapper may replace that), or — for a oneshot — once it exited 0.
import {canBind, describePortInUse, portHolders} from './ports.js'
import {nanoid} from 'nanoid'
import type {CommandSpec, StopSpec} from './spec.js'
import type {CgroupManager} from './cgroup.js'
import {adoptChild, spawnChild, SpawnError, type AdoptRecord, type ChildHandle} from './child.js'
import {plainWords, precheckCommand, programOf, toArgv} from './command.js'
import {diagnoseCwd, isPermanentErrno, programProblem} from './spawn-diagnosis.js'
import {describeExit, ExitError, permanentFailure, SpawnFailed, type ExitInfo} from './errors.js'
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
  if (problem) throw new SpawnFailed(problem.reasonCode, problem.message, true)
  // Its port held by another program: that is the failure, named with the holder — not a crash loop behind somebody else's green probe.
  if (spec.port !== undefined && !(await canBind(spec.port))) throw new SpawnFailed('port-in-use', describePortInUse(spec.port, portHolders(spec.port)), true)
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
    if (error instanceof SpawnError) throw explainSpawnError(spec, error)
    throw error
  }
}

/**
 * The precheck passed and the spawn failed all the same (the file system
 * changed in between): look again, without the precheck's cache, to say
 * which of the errno's meanings it was.
 */
function explainSpawnError(spec: ExecSpec, error: SpawnError): SpawnFailed {
  const permanent = isPermanentErrno(error.errno)
  if (error.errno === 'ENOENT' || error.errno === 'EACCES' || error.errno === 'ENOTDIR') {
    const program = programOf(spec.command) ?? toArgv(spec.command).file
    const problem = diagnoseCwd(spec.cwd) ?? programProblem(program, spec.env, spec.cwd)
    if (problem) return new SpawnFailed(problem.reasonCode, problem.message, permanent)
  }
  return new SpawnFailed('spawn-failed', `spawn failed: ${error.message}`, permanent)
}

/**
 * A shell that cannot run a command exits 127 (not found) or 126 (not
 * executable), after printing e.g. `sh: 1: ./run.sh: Permission denied`.
 * A program may exit 126/127 of its own accord too, so this is read as a
 * spawn failure only on the instance's first run, and only where a shell
 * stood between mar and the program: the user's shell command (`cmd` with
 * shell syntax), or the tiny sh that enters a cgroup (then only when the
 * program is found faulty on a second look, as that sh execs the user's
 * own program, whose 126/127 are its own). The reason names the faulty
 * program when it can be found; otherwise it says what sh meant.
 */
function shellFailure(spec: ExecSpec, exit: ExitInfo, firstRun: boolean, viaCgroupShell: boolean): SpawnFailed | null {
  if (!firstRun || (exit.code !== 126 && exit.code !== 127)) return null
  const userShell = 'shell' in spec.command && !plainWords(spec.command.shell)
  if (!userShell && !viaCgroupShell) return null
  const program = programOf(spec.command)
  const problem = diagnoseCwd(spec.cwd) ?? (program ? programProblem(program, spec.env, spec.cwd) : null)
  if (problem) return new SpawnFailed(problem.reasonCode, problem.message, true)
  if (!userShell || !('shell' in spec.command)) return null
  const [reasonCode, what] = exit.code === 127 ? (['spawn-not-found', 'not found'] as const) : (['spawn-not-executable', 'not executable'] as const)
  return new SpawnFailed(reasonCode, `sh could not run a command of "${spec.command.shell}": ${what} (exit ${exit.code}; its log has sh's message)`, true)
}

export function exec(spec: ExecSpec): Runner {
  /** Runs spawned from this spec so far: a shell's 126/127 means "cannot run" only on the first. */
  let runs = 0
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
      // One that no retry heals is said once, by the supervisor, as it fails the instance (group-run.ts).
      if (permanentFailure(error)) throw error
      const why = error instanceof SpawnFailed ? because(error.reasonCode, error.message) : because('spawn-failed', error instanceof Error ? error.message : String(error))
      ctx.emit({kind: 'instance', name, at: at(), state: 'crashed', pid: null, why})
      throw error
    }
    const firstRun = !adopted && ++runs === 1
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
    const cannotRun = shellFailure(spec, exit, firstRun, handle.cgroup !== null)
    if (cannotRun) {
      ctx.emit({kind: 'instance', name, at: at(), pid: null, exit})
      throw cannotRun
    }
    const reason = exit.code === null && exit.signal === null ? 'exited (status unknown: adopted process)' : `exited: ${describeExit(exit)}`
    ctx.emit({kind: 'instance', name, at: at(), state: 'crashed', pid: null, exit, why: because('crashed', reason)})
    throw new ExitError(name, exit)
  }
}
