// The one API between the daemon and everything that talks to it: the CLI
// commands, the TUI and (later) remote peers. Newline-delimited JSON over a
// Unix socket; the first frame each way is a hello carrying the protocol
// version; requests carry an id; replies and streamed items echo it.
// The JSON shapes of status and logs are also what `--json` prints (SPEC §3).
import type {StackPlan} from '../config/types.js'

export const PROTOCOL_VERSION = 1
/** A frame larger than this (a huge plan?) is refused and the connection closed. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024

export interface ExitJson {
  code: number | null
  signal: string | null
}

/** One instance in `mar status --json` (SPEC §3). */
export interface InstanceJson {
  name: string
  runner: string
  group: string
  host: string
  state: string
  /** healthy | unhealthy | unknown, or null without a health probe. */
  health: string | null
  pid: number | null
  startedAt: string | null
  restarts: number
  lastExit: ExitJson | null
  /** Percent of one core, over the last sample. */
  cpu: number | null
  /** Resident bytes of the instance's whole process tree. */
  memory: number | null
  reason: string | null
}

export interface StackJson {
  name: string
  config: string
  instances: InstanceJson[]
}

export interface StatusJson {
  stacks: StackJson[]
}

/** One line of `mar logs --json` (SPEC §3). */
export interface LogLineJson {
  time: string
  stack: string
  instance: string
  host: string
  stream: 'stdout' | 'stderr'
  line: string
}

/** Which stack a request means: by name, or by the config file of the caller's directory. */
export interface StackRef {
  name?: string
  config?: string
}

export type Request =
  | {id: number; type: 'ping'}
  | {id: number; type: 'up'; plan: StackPlan; targets: string[]}
  | {id: number; type: 'down'; stack: StackRef; targets: string[]}
  | {id: number; type: 'start' | 'stop' | 'restart'; stack: StackRef; targets: string[]}
  | {id: number; type: 'signal'; stack: StackRef; targets: string[]; signal: string}
  | {id: number; type: 'reload'; plan: StackPlan; dryRun: boolean}
  | {id: number; type: 'status'}
  | {id: number; type: 'logs'; stack: StackRef | null; targets: string[]; lines: number; sinceMs?: number; grep?: string; follow: boolean}
  /** A status snapshot, then every change, until cancelled. */
  | {id: number; type: 'watch'}
  | {id: number; type: 'daemon-stop'; keep: boolean}
  | {id: number; type: 'cancel'; target: number}

export type RequestType = Request['type']

export interface Hello {
  type: 'hello'
  protocol: number
  /** The client's or daemon's mar version. */
  version: string
  pid: number
}

export interface ErrorJson {
  code: string
  message: string
  hint?: string
}

export type StatusChange =
  | {kind: 'instance'; stack: string; instance: InstanceJson}
  | {kind: 'stack-added'; stack: StackJson}
  | {kind: 'stack-removed'; stack: string}

export type Reply =
  | Hello
  | {id: number; type: 'ok'; data: unknown}
  | {id: number; type: 'error'; error: ErrorJson}
  | {id: number; type: 'snapshot'; status: StatusJson}
  | {id: number; type: 'change'; change: StatusChange}
  | {id: number; type: 'log'; line: LogLineJson}
  /** Something the user should know about a stream (lines skipped, a slow reader dropped). */
  | {id: number; type: 'notice'; message: string}
  | {id: number; type: 'end'}

/** Per-target outcome of start/stop/restart/signal. */
export interface TargetResult {
  instance: string
  ok: boolean
  message: string
}

export interface UpResult {
  stack: string
  /** Instances this request starts (and waits for). */
  instances: string[]
  /** Changes applied to a stack that was already up (as reload would). */
  changes: PlanChange[]
}

export interface PlanChange {
  instance: string
  change: 'added' | 'removed' | 'changed'
  /** What differs, for `changed`: e.g. ["command", "env"]. */
  fields?: string[]
}

export interface DaemonInfo {
  pid: number
  version: string
  home: string
  startedAt: string
  stacks: number
  instances: number
  containment: string
}
