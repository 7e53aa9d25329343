// Errors are data: every failure mar reports carries a stable `code` that
// tests and `--json` consumers match on, and the exit code the CLI uses.
// Messages are for people and may change; codes may not.

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  daemon: 3,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export interface MarErrorOptions {
  /** What the user can do about it, printed after the message. */
  hint?: string
  exitCode?: ExitCode
  cause?: unknown
  /** Structured facts for --json output and tests. */
  details?: Record<string, unknown>
}

export class MarError extends Error {
  readonly code: string
  readonly hint?: string
  readonly exitCode: ExitCode
  readonly details?: Record<string, unknown>

  constructor(code: string, message: string, options: MarErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'MarError'
    this.code = code
    this.hint = options.hint
    this.exitCode = options.exitCode ?? ExitCode.failed
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
