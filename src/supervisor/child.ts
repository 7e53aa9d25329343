// A running program as the supervisor sees it: spawned by us (a child we
// can wait for) or adopted from a previous daemon (a pid we can only watch).
// Spawning uses node:child_process directly rather than execa: with 200
// instances execa cost 1.25× the start time, 2.7× the stop time and 15 MB
// more memory (README, "Design"), and the leaf needs none of its extras.
import {spawn, type ChildProcess} from 'node:child_process'
import {closeSync} from 'node:fs'
import type {Clock} from './clock.js'
import {sleep} from './clock.js'
import type {Cgroup, CgroupManager} from './cgroup.js'
import {commandInCgroup, commandWithMarker, shellEnv, toArgv} from './command.js'
import {markerOf, markerWorks} from './marker.js'
import type {CommandSpec} from './spec.js'
import type {ExitInfo} from './errors.js'
import {LineSplitter, type OutputTarget} from './output.js'
import {isRunning, readProcStat} from './proc.js'

export interface ChildHandle {
  readonly pid: number
  /** Unique per spawn; also the MAR_RUN_ID marker in the child's environment. */
  readonly runId: string
  /** Kernel start time (clock ticks since boot), against pid reuse. */
  readonly startTime: number
  /** Wall-clock start, ms since the epoch. */
  readonly startedAt: number
  readonly cgroup: Cgroup | null
  /** Without a cgroup: the marker its processes carry in their limits (marker.ts), or null. */
  readonly marker: number | null
  /** Without a cgroup: whether its leftovers are also looked for by MAR_RUN_ID (the marker may be missing). */
  readonly scanEnv: boolean
  /** Settles when the main process has ended. */
  readonly exited: Promise<ExitInfo>
  hasExited(): boolean
  /** Settles when the output pipes are drained (at once for file output). */
  readonly drained: Promise<void>
}

export interface SpawnOptions {
  instance: string
  runId: string
  command: CommandSpec
  cwd: string
  env: Record<string, string>
  output: OutputTarget
  cgroups?: CgroupManager
  resources?: {cpu?: number; memory?: number}
  clock: Clock
}

export class SpawnError extends Error {
  constructor(
    message: string,
    readonly errno?: string,
  ) {
    super(message)
  }
}

export async function spawnChild(options: SpawnOptions): Promise<ChildHandle> {
  const cgroup = options.cgroups?.create(`${options.instance}-${options.runId}`, options.resources) ?? null
  // Without a cgroup, the marker: the one trace a process that called setsid, was re-parented and dropped its environment still carries.
  const marker = !cgroup && markerWorks() ? markerOf(options.runId) : null
  const {argv, env: extraEnv} = cgroup
    ? commandInCgroup(options.command, `${cgroup.path}/cgroup.procs`)
    : marker !== null
      ? commandWithMarker(options.command, marker)
      : {argv: toArgv(options.command), env: {}}

  let stdout: 'pipe' | 'ignore' | number = 'ignore'
  let stderr: 'pipe' | 'ignore' | number = 'ignore'
  let files: {stdout: number; stderr: number} | null = null
  if (options.output.kind === 'pipe') stdout = stderr = 'pipe'
  if (options.output.kind === 'files') {
    // No await when the descriptors come at once: each instance then goes
    // from its files to its spawn in one step, not after every other's files.
    const opened = options.output.open()
    files = opened instanceof Promise ? await opened : opened
    stdout = files.stdout
    stderr = files.stderr
  }

  let child: ChildProcess
  try {
    child = spawn(argv.file, argv.args, {
      cwd: options.cwd,
      env: {...options.env, ...shellEnv(options.command, options.cwd), ...extraEnv, MAR_RUN_ID: options.runId},
      // Its own session and process group: signals reach the whole group,
      // and the program outlives the daemon that started it.
      detached: true,
      stdio: ['ignore', stdout, stderr],
    })
  } finally {
    // The child holds its own copies of the log files now.
    if (files) {
      closeSync(files.stdout)
      if (files.stderr !== files.stdout) closeSync(files.stderr)
    }
  }

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({code, signal}))
  })
  const spawned = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    child.once('spawn', () => resolve(null))
    child.once('error', (error) => resolve(error))
  })
  if (spawned || child.pid === undefined) {
    cgroup?.remove()
    throw new SpawnError(spawned?.message ?? 'spawn failed', spawned?.code)
  }
  const pid = child.pid
  let ended = false
  void exited.then(() => (ended = true))

  const drained = options.output.kind === 'pipe' ? pipeLines(child, options.output.bus, options.clock) : Promise.resolve()
  return {
    pid,
    runId: options.runId,
    startTime: readProcStat(pid)?.startTime ?? 0,
    startedAt: options.clock.now(),
    cgroup,
    marker,
    scanEnv: !cgroup && marker === null,
    exited,
    drained,
    hasExited: () => ended,
  }
}

function pipeLines(child: ChildProcess, bus: import('./output.js').LineBus, clock: Clock): Promise<void> {
  const streams = [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ] as const
  return Promise.all(
    streams.map(
      ([stream, readable]) =>
        new Promise<void>((resolve) => {
          if (!readable) return resolve()
          const splitter = new LineSplitter((line) => bus.publish({stream, line, time: clock.now()}))
          readable.on('data', (chunk: Buffer) => splitter.push(chunk))
          readable.once('close', () => {
            splitter.end()
            resolve()
          })
        }),
    ),
  ).then(() => {})
}

export interface AdoptRecord {
  pid: number
  startTime: number
  startedAt: number
  runId: string
  cgroupPath?: string
  /** The run already ended while a previous daemon watched it: report that instead of spawning. */
  ended?: ExitInfo
}

/**
 * Watch a process a previous daemon started. We are not its parent, so its
 * exit status is unknowable: it is reported as {code: null, signal: null}.
 */
export function adoptChild(record: AdoptRecord, clock: Clock, cgroup: Cgroup | null, pollMs = 200): ChildHandle {
  let ended = false
  const exited = (async () => {
    while (isRunning(record.pid, record.startTime)) await sleep(clock, pollMs)
    ended = true
    return {code: null, signal: null}
  })()
  return {
    pid: record.pid,
    runId: record.runId,
    startTime: record.startTime,
    startedAt: record.startedAt,
    cgroup,
    // Whether the previous daemon marked it is not recorded: look for both (a marker nobody carries finds nothing).
    marker: cgroup ? null : markerOf(record.runId),
    scanEnv: !cgroup,
    exited,
    drained: Promise.resolve(),
    hasExited: () => ended,
  }
}
