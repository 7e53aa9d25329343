// Errors are data: every failure mar reports carries a stable `code` from
// the one list below — what tests, `--json` consumers and the other side of
// the protocol switch on — and the exit code the CLI uses. Messages are for
// people and may change; codes may not, and no code matches message text.

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  daemon: 3,
  /** Interrupted by Ctrl-C (128 + SIGINT), as a shell reports it. */
  interrupted: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Every error code mar reports, with the exit code it means unless the thrower says otherwise. */
export const errorCodes = {
  // The caller's mistake (exit 2).
  'bad-flag': ExitCode.usage,
  /** A regular expression mar cannot compile (RE2 syntax). */
  'bad-pattern': ExitCode.usage,
  'bad-request': ExitCode.usage,
  'bad-signal': ExitCode.usage,
  'config-invalid': ExitCode.usage,
  'config-not-found': ExitCode.usage,
  'no-stack': ExitCode.usage,
  'not-found': ExitCode.usage,
  'unknown-host': ExitCode.usage,
  'unknown-stack': ExitCode.usage,
  'unknown-target': ExitCode.usage,
  'bad-cursor': ExitCode.usage,
  /** An ssh destination mar refuses to give ssh (it starts with "-", or holds whitespace or control characters). */
  'bad-ssh-destination': ExitCode.usage,
  /** `mar export kubernetes|nomad --strict`: a key of mar.yaml the engine cannot express. */
  'not-expressible': ExitCode.usage,
  /** `mar export kubernetes`: a runner with no image (no `image:` of its own or at the top level, no --image). */
  'no-image': ExitCode.usage,
  /** Two names of the stack that become the same name in the engine's syntax. */
  'name-collision': ExitCode.usage,
  // The daemon could not be reached, started or understood (exit 3).
  'client-closed': ExitCode.daemon,
  'daemon-lost': ExitCode.daemon,
  'daemon-start-failed': ExitCode.daemon,
  'daemon-unreachable': ExitCode.daemon,
  /** It runs (the socket accepts) but does not say hello in time: stopped (SIGSTOP) or overloaded. */
  'daemon-not-answering': ExitCode.daemon,
  'mar-home': ExitCode.daemon,
  protocol: ExitCode.daemon,
  'protocol-mismatch': ExitCode.daemon,
  'frame-too-large': ExitCode.daemon,
  'bad-json': ExitCode.daemon,
  // A remote host's agent could not be reached (src/remote): ssh's own failures, told one line each.
  /** The host's key is not in known_hosts (ssh refuses it in batch mode). */
  'host-key-unknown': ExitCode.daemon,
  /** The host's key differs from the one in known_hosts: maybe an attack. */
  'host-key-changed': ExitCode.daemon,
  'host-auth-failed': ExitCode.daemon,
  /** Refused, timed out, no route, a name that does not resolve. */
  'host-unreachable': ExitCode.daemon,
  /** ssh failed some other way (its last line is in the message). */
  'ssh-failed': ExitCode.daemon,
  /** No `node` on the host's PATH, or one older than the agent needs. */
  'host-no-node': ExitCode.daemon,
  'host-node-too-old': ExitCode.daemon,
  /** Uploading the agent failed (a full disk, a hash that does not match); nothing half-written is left in place. */
  'agent-install-failed': ExitCode.daemon,
  /** The daemon is at one of its limits (connections, unfinished request bytes): try again. */
  busy: ExitCode.daemon,
  // The operation failed (exit 1).
  cancelled: ExitCode.failed,
  'daemon-stopping': ExitCode.failed,
  'daemon-stop-timeout': ExitCode.failed,
  'file-exists': ExitCode.failed,
  internal: ExitCode.failed,
  'not-a-daemon': ExitCode.failed,
  'not-available': ExitCode.failed,
  'nothing-to-export': ExitCode.failed,
  'remote-unsupported': ExitCode.failed,
  'stack-in-daemon': ExitCode.failed,
  'stack-in-foreground': ExitCode.failed,
  'stack-name-taken': ExitCode.failed,
  'stack-not-up': ExitCode.failed,
  'systemctl-failed': ExitCode.failed,
  'unexportable-path': ExitCode.failed,
  /** An export's directory or file mar will not or cannot write: a symbolic link, a directory where a file goes, no permission. */
  'bad-output': ExitCode.failed,
  'unit-name-too-long': ExitCode.failed,
  'unit-not-written': ExitCode.failed,
  'unknown-user': ExitCode.failed,
  // Runners (src/supervisor): why one ended or could not start.
  'runner-exited': ExitCode.failed,
  'spawn-failed': ExitCode.failed,
  'ready-failed': ExitCode.failed,
  'exited-before-ready': ExitCode.failed,
  unhealthy: ExitCode.failed,
  'memory-limit': ExitCode.failed,
  'restart-limit': ExitCode.failed,
  'group-failed': ExitCode.failed,
  'dependency-failed': ExitCode.failed,
  /** An instance on another host ended there for good, or could not be started there. */
  'remote-instance-failed': ExitCode.failed,
} as const satisfies Record<string, ExitCode>

export type ErrorCode = keyof typeof errorCodes

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorCodes, code)
}

export interface MarErrorOptions {
  /** What the user can do about it, printed after the message. */
  hint?: string
  /** Overrides the code's own exit code (rarely needed). */
  exitCode?: ExitCode
  cause?: unknown
  /** Structured facts for --json output and tests. */
  details?: Record<string, unknown>
}

export class MarError extends Error {
  readonly code: ErrorCode
  readonly hint?: string
  readonly exitCode: ExitCode
  readonly details?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: MarErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'MarError'
    this.code = code
    this.hint = options.hint
    this.exitCode = options.exitCode ?? errorCodes[code]
    this.details = options.details
  }

  /** One line: what, why, and what to do. */
  toLine(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message
  }
}

export function isMarError(error: unknown): error is MarError {
  return error instanceof MarError
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
