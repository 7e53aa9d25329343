// The one API between the daemon and everything that talks to it: the CLI
// commands, foreground mode, the TUI and remote peers. One map says, for
// each request, what it takes and what comes back (`Calls`: one reply;
// `Streams`: items until an end); the client's methods are typed from it and
// the daemon's handlers are checked against it.
//
// On the wire: newline-delimited JSON over any byte stream (a Unix socket,
// stdin/stdout through `mar daemon dial-stdio`, an in-process pair). The
// first frame each way is a hello with the protocol version; a peer that
// speaks another version is refused with `protocol-mismatch`. Requests carry
// an id that their replies echo. Errors carry a code from one list
// (src/util/errors.ts); facts travel as fields, never as prose.
import type {DependencyCondition, StackPlan} from '../config/types.js'
import type {ReasonCode} from '../supervisor/reasons.js'
import type {InstanceState} from '../supervisor/runner.js'
import type {ErrorCode} from '../util/errors.js'

export type {ReasonCode} from '../supervisor/reasons.js'
export type {InstanceState} from '../supervisor/runner.js'

export const PROTOCOL_VERSION = 2
/** A frame larger than this (a huge plan?) is refused and the connection closed. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024

// ---------------------------------------------------------------- facts

export interface ExitJson {
  code: number | null
  signal: string | null
}

/** A probe and how it last went. */
export interface ProbeInfo {
  kind: 'tcp' | 'http' | 'exec' | 'log' | 'notify' | 'after'
  /** null until it was first tried. */
  passed: boolean | null
  /** When it last passed or failed (ISO 8601). */
  at: string | null
  /** Why it last failed. */
  message: string | null
}

/** Everything the daemon knows of one instance. */
export interface InstanceInfo {
  name: string
  runner: string
  group: string
  host: string
  state: InstanceState
  /** healthy | unhealthy | unknown, or null without a health probe. */
  health: 'healthy' | 'unhealthy' | 'unknown' | null
  pid: number | null
  /** ISO 8601, while a process runs. */
  startedAt: string | null
  restarts: number
  lastExit: ExitJson | null
  /** Percent of one core over the last sample, while it runs. */
  cpu: number | null
  /** Resident bytes of its whole process tree, while it runs. */
  memory: number | null
  /** Why it is in this state, in a few words (no time relative to now: see nextRestartAt). */
  reason: string | null
  /** The same as a token; null when it is plainly up. */
  reasonCode: ReasonCode | null
  /** In backoff: when the next restart is due (ISO 8601). */
  nextRestartAt: string | null
  oneshot: boolean
  ready: ProbeInfo | null
  liveness: ProbeInfo | null
  /** The last STATUS= a notify program sent. */
  notifyStatus: string | null
}

export type GroupPhase = 'pending' | 'waiting' | 'blocked' | 'starting' | 'started' | 'completed' | 'ready' | 'failed' | 'stopping' | 'stopped'

export interface GroupInfo {
  name: string
  phase: GroupPhase
  reason: string | null
  reasonCode: ReasonCode | null
  dependsOn: {group: string; condition: 'ready' | 'started' | 'completed'}[]
}

export interface StackInfo {
  name: string
  config: string
  groups: GroupInfo[]
  instances: InstanceInfo[]
}

/**
 * One host of the stacks a daemon holds (`mar hosts`). `local` is this
 * machine; a host with `ssh:` is reached by the hub's link to its agent.
 * cpus/memory: what the host declares (`*Declared` true), else what its
 * machine reports, null when unknown; `*Used`: the sum of the `resources`
 * of the instances placed there.
 */
export interface HostInfo {
  name: string
  ssh: string | null
  state: 'local' | 'up' | 'connecting' | 'unreachable'
  /** Why a host is not up, in words; null when it is. */
  reason: string | null
  /** Round trip of the last ping over the link. */
  latencyMs: number | null
  /** The mar version of its agent (for local: this daemon's). */
  version: string | null
  cpus: number | null
  cpusDeclared: boolean
  cpuUsed: number
  /** Bytes. */
  memory: number | null
  memoryDeclared: boolean
  memoryUsed: number
  /** 1, 5 and 15 minute load averages. */
  load: [number, number, number] | null
  /** Instances placed there, across the stacks. */
  instances: number
  /** ISO 8601: since when it is in this state (null: unknown). */
  since: string | null
}

/** What a daemon's machine has (ping's `machine`): what placement holds hosts without declared capacity to. */
export interface MachineInfo {
  /** Logical CPUs. */
  cpus: number
  /** Bytes: MemTotal. */
  memoryTotal: number
  /** Bytes: MemAvailable, what can be used without swapping. */
  memoryAvailable: number
  load: [number, number, number]
}

export interface StatusReply {
  stacks: StackInfo[]
  hosts: HostInfo[]
  /** What a user must know of the daemon itself (records it cannot write), in words. */
  warnings?: string[]
}

/** Which stack a request means: by name, or by the config file of the caller's directory. */
export interface StackRef {
  name?: string
  config?: string
}

// ---------------------------------------------------------------- replies

/** Per-target outcome of start/stop/restart/signal/down. */
export interface TargetResult {
  instance: string
  ok: boolean
  message: string
  /** Why it failed, as a token (absent when ok). */
  code?: ErrorCode
}

export interface TargetsReply {
  stack: string
  results: TargetResult[]
}

export interface SignalReply extends TargetsReply {
  signal: string
}

export interface DownReply extends TargetsReply {
  /** The stack left the daemon for good (no targets, or all of them). */
  removed: boolean
}

export interface PlanChange {
  instance: string
  change: 'added' | 'removed' | 'changed'
  /** What differs, for `changed`: e.g. ["command", "env"]. */
  fields?: string[]
  /** The host it runs on after the reload (for `removed`: the one it ran on). Added within protocol 2. */
  host?: string
  /** For `changed`, when it moves to another host: the host it leaves. */
  fromHost?: string
}

/** One group's part of a reload, in the order it is applied. */
export interface ReloadStep {
  group: string
  /** Dependencies this reload re-runs, waited for (with their depends_on condition) before this group's instances (re)start. */
  after: {group: string; condition: DependencyCondition}[]
  /** Its added and changed instances. */
  instances: string[]
}

/** An instance a reload did not (re)start because a dependency it waited for failed; it keeps running as it was. */
export interface BlockedChange {
  instance: string
  reason: string
  reasonCode: 'dependency-failed'
}

export interface UpReply {
  stack: string
  /** Instances this request starts (and the caller may wait for). */
  instances: string[]
  /** Changes applied to a stack that was already up (as reload would). */
  changes: PlanChange[]
  /** Changes not applied: a dependency they waited for failed. */
  blocked: BlockedChange[]
  /** A log cursor just before this request: the lines after it are this run's. */
  logsFrom: string
}

export interface ReloadReply {
  changes: PlanChange[]
  /** Why the stack restarts as a whole; empty when per-instance changes suffice. */
  structural: string[]
  /** The order of the (re)starts; see ReloadStep. */
  steps: ReloadStep[]
  /** Changes not applied: a dependency they waited for failed (empty for a dry run). */
  blocked: BlockedChange[]
  applied: boolean
}

export interface DaemonInfo {
  pid: number
  version: string
  home: string
  startedAt: string
  stacks: number
  instances: number
  containment: string
  /** As in StatusReply. */
  warnings?: string[]
  /** `daemon`, or `foreground` for the stack a `mar up -f` serves. */
  role: PeerRole
  /** Its machine's capacity and load. Added within protocol 2 (absent from daemons before it). */
  machine?: MachineInfo
}

/** One past exit of an instance, newest last in InstanceDescription.exits. */
export interface ExitRecord {
  /** ISO 8601. */
  at: string
  code: number | null
  signal: string | null
  /** The state it went to: crashed, exited, stopped (by mar), failed… */
  state: InstanceState | null
  reason: string | null
  reasonCode: ReasonCode | null
}

/** A probe as configured, and how it last went. */
export interface ProbeDescription extends ProbeInfo {
  /** What it checks: `127.0.0.1:3000`, a URL, a command, a /pattern/, a delay; empty for notify. */
  target: string
  intervalMs: number
  /** ready: give up after this long; liveness: one check's own timeout. */
  timeoutMs: number
  /** liveness: consecutive failures before a restart. */
  failures: number | null
}

/** `mar describe`: everything about one instance (environment keys only, never values). */
export interface InstanceDescription {
  stack: string
  config: string
  instance: InstanceInfo
  /** As configured: `{shell}` runs through /bin/sh -c (or exec'd when it has no shell syntax), `{argv}` without a shell. */
  command: {shell: string} | {argv: string[]}
  cwd: string
  /** Keys of the environment the stack sets (env files, env, PORT, MAR_*), sorted. */
  env: string[]
  /** How many more keys the child inherits from the environment mar was started in. */
  inheritedEnv: number
  port: number | null
  /** Its cgroup while it runs in one (null in process-group mode, or when not running). */
  cgroup: string | null
  probes: {ready: ProbeDescription | null; liveness: ProbeDescription | null}
  /** The last exits (at most 20) since this daemon (or foreground run) started it, oldest first. */
  exits: ExitRecord[]
  /** Its captured output under MAR_HOME/logs. */
  logs: {dir: string; stdout: string; stderr: string}
}

export interface DescribeParams {
  stack: StackRef
  /** An instance (web.2), or a runner or group that has exactly one. */
  target: string
}

export interface ClearLogsReply {
  stack: string
  /** false: there were no stored logs. */
  removed: boolean
  /** Disk space given back. */
  bytes: number
}

// ---------------------------------------------------------------- streams

/** One line of output, with the cursor to resume after it. */
export interface LogLine {
  /** ISO 8601 with ms. */
  time: string
  stack: string
  instance: string
  host: string
  stream: 'stdout' | 'stderr'
  line: string
  /** Opaque: `after: cursor` resumes exactly after this line (src/api/cursor.ts). */
  cursor: string
}

export type StreamName = 'stdout' | 'stderr'

export interface LogsParams {
  /** null: every stack. */
  stack: StackRef | null
  targets: string[]
  /** Only this stream's lines (a daemon before this field sends both: filter again). */
  stream?: StreamName
  /** Without `after`: the last N lines. With it: at most N lines from it on (0: all of them). */
  lines: number
  sinceMs?: number
  grep?: string
  follow: boolean
  /** Resume after this cursor (of a line, or of an earlier stream's end). */
  after?: string
}

export interface LogsEnd {
  /** Where a later request resumes with `after`: just past the last line sent. */
  cursor: string
}

export type WatchEvent =
  /** The whole state; first, and again after `lagged`. */
  | {kind: 'snapshot'; status: StatusReply}
  | {kind: 'instance'; stack: string; instance: InstanceInfo}
  | {kind: 'group'; stack: string; group: GroupInfo}
  | {kind: 'stack-added'; stack: StackInfo}
  | {kind: 'stack-removed'; stack: string}
  /** CPU and memory of every running instance, each sampler interval (watch with usage: true). */
  | {kind: 'usage'; at: string; stacks: {stack: string; instances: {name: string; cpu: number; memory: number}[]}[]}
  | {kind: 'host'; host: HostInfo}
  /** This watcher read too slowly and missed `dropped` events; a fresh snapshot follows. */
  | {kind: 'lagged'; dropped: number}

export interface WatchParams {
  /** Also send CPU and memory at the sampler's interval. */
  usage?: boolean
}

export type NoticeCode = 'lines-skipped' | 'daemon-stopped' | 'dropped'

/** Something the user should know about a stream that is not one of its items. */
export interface Notice {
  code: NoticeCode
  message: string
}

// ---------------------------------------------------------------- the map

export interface TargetsParams {
  stack: StackRef
  targets: string[]
}

/** Requests with one reply. */
export interface Calls {
  ping: {params: Record<string, never>; reply: DaemonInfo}
  status: {params: Record<string, never>; reply: StatusReply}
  /** `plan`: as the config part makes it, packed (src/config/plan-pack.ts: the shared environment once) or not. */
  up: {params: {plan: StackPlan; targets: string[]; /** Instances that stay stopped (a host's share: the hub starts each). Added within protocol 2. */ held?: string[]}; reply: UpReply}
  reload: {params: {plan: StackPlan; dryRun: boolean}; reply: ReloadReply}
  /** `keep` (added within protocol 2): what runs on a host that cannot be reached now is left running there, not stopped once it is back. */
  down: {params: TargetsParams & {keep?: boolean}; reply: DownReply}
  start: {params: TargetsParams; reply: TargetsReply}
  stop: {params: TargetsParams; reply: TargetsReply}
  restart: {params: TargetsParams; reply: TargetsReply}
  signal: {params: TargetsParams & {signal: string}; reply: SignalReply}
  /** Added within protocol 2: a daemon from before answers `bad-request` (unknown method). */
  describe: {params: DescribeParams; reply: InstanceDescription}
  /**
   * Scale a runner for this session (the TUI's `+`/`-`): the daemon plans the
   * stack's file again with that scale (and the environment the stack was
   * started with), and applies the change to that runner alone, as reload
   * would. Added within protocol 2.
   */
  scale: {params: {stack: StackRef; runner: string; scale: number}; reply: ReloadReply}
  /** Delete a stack's stored logs; refused while the stack is up. Added within protocol 2, like describe. */
  'clear-logs': {params: {stack: string}; reply: ClearLogsReply}
  'daemon-stop': {params: {keep: boolean}; reply: {stopping: true; keep: boolean}}
  /** Stop a stream this connection opened (its `end` follows). */
  cancel: {params: {target: number}; reply: null}
}

/** Requests whose replies stream: items (and notices) until an end or an error. */
export interface Streams {
  logs: {params: LogsParams; item: LogLine; end: LogsEnd}
  watch: {params: WatchParams; item: WatchEvent; end: null}
}

export type CallMethod = keyof Calls
export type StreamMethod = keyof Streams
export type Method = CallMethod | StreamMethod
export type ParamsOf<M extends Method> = M extends CallMethod ? Calls[M]['params'] : M extends StreamMethod ? Streams[M]['params'] : never
export type ReplyOf<M extends CallMethod> = Calls[M]['reply']
export type ItemOf<M extends StreamMethod> = Streams[M]['item']
export type EndOf<M extends StreamMethod> = Streams[M]['end']

export const callMethods: readonly CallMethod[] = ['ping', 'status', 'up', 'reload', 'down', 'start', 'stop', 'restart', 'signal', 'describe', 'scale', 'clear-logs', 'daemon-stop', 'cancel']
export const streamMethods: readonly StreamMethod[] = ['logs', 'watch']

// ---------------------------------------------------------------- frames

export type PeerRole = 'client' | 'daemon' | 'foreground'

export interface Hello {
  type: 'hello'
  protocol: number
  /** The peer's mar version. */
  version: string
  pid: number
  role: PeerRole
}

export interface ErrorInfo {
  code: ErrorCode
  message: string
  hint?: string
}

export type RequestFrame = {[M in Method]: {id: number; method: M; params: ParamsOf<M>}}[Method]

export type ReplyFrame =
  | Hello
  | {id: number; type: 'result'; data: unknown}
  | {id: number; type: 'item'; item: unknown}
  | {id: number; type: 'notice'; notice: Notice}
  | {id: number; type: 'end'; data: unknown}
  | {id: number; type: 'error'; error: ErrorInfo}
