// Why an instance or a group is in its state, as a token a program can
// switch on. Every state that is not plainly up carries one, with a short
// detail in words beside it (`exit 1`, `migrate.1 failed: exit 1`); times
// travel as timestamps (nextRestartAt), never inside the words, so that
// nobody has to parse a reason back. Renderers build sentences from these
// (src/api/describe.ts).

export const reasonCodes = [
  /** A oneshot exited 0. */
  'completed',
  /** A service exited 0 where that is allowed (restart: on-failure or never). */
  'exited',
  /** It ended badly (non-zero exit, a signal, exit 0 under `always`) and is not restarted now. */
  'crashed',
  /** It ended and waits to be restarted (see nextRestartAt). */
  'backoff',
  /** Its restart limit (or its group's) is spent. */
  'restart-limit',
  /** Stopped to restart with a sibling (one-for-all, rest-for-one). */
  'group-restart',
  /** Its group failed, so it was stopped. */
  'group-failed',
  /** The liveness probe failed too often. */
  'unhealthy',
  /** The readiness probe did not pass in time. */
  'ready-failed',
  /** Its process tree stayed above memory_limit. */
  'memory-limit',
  /** The program could not be started for another reason: its working directory is missing, a shortage (EAGAIN, EMFILE), no notify support. */
  'spawn-failed',
  /** The program, or the interpreter its `#!` line names, does not exist (or a shell said 127 on the first run). */
  'spawn-not-found',
  /** The program has no x bit or is a directory (or a shell said 126 on the first run). */
  'spawn-not-executable',
  /** Another program holds its port. */
  'port-in-use',
  /** A user stopped it (mar stop, mar down). */
  'stopped-by-user',
  /** It was not among the targets of `mar up TARGET`. */
  'not-targeted',
  /** Its group waits for a dependency to be started, ready or completed. */
  'dependency-waiting',
  /** A dependency of its group failed or ended early. */
  'dependency-failed',
  /** Restarted because its configuration changed (reload). */
  'config-changed',
  /** Restarted because watched files changed. */
  'files-changed',
  /** Its file watcher failed; it runs on, unwatched. */
  'watch-failed',
  /** The program said it is stopping (notify STOPPING=1). */
  'stopping',
  /** Its host cannot be reached. */
  'host-unreachable',
  /** Placed on a remote host, which this version cannot run. */
  'remote-unsupported',
] as const

export type ReasonCode = (typeof reasonCodes)[number]

/** A reason as events carry it: the token and its detail. */
export interface Reason {
  reasonCode: ReasonCode | null
  reason: string | null
}

export const because = (reasonCode: ReasonCode, reason: string | null = null): Reason => ({reasonCode, reason})

/** No reason: the state speaks for itself. */
export const noReason: Reason = {reasonCode: null, reason: null}
