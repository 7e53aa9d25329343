// What an export could not say in the engine's own terms. Every key of
// mar.yaml that Kubernetes or Nomad cannot express is recorded here with
// what the export did instead, then printed by the command, written as a
// comment beside the object it concerns, and, with --strict, refused
// (exit 2). Notes are the rest a reader should know (placeholders to fill
// in, renamed names): printed, never fatal.
import {ExitCode, MarError} from '../util/errors.js'

export type Engine = 'Kubernetes' | 'Nomad'

export interface Unexpressed {
  /** What in the stack: `web` (a runner), `group app`, or `stack`. */
  subject: string
  /** The key of mar.yaml, as a user writes it: `ready`, `restart.limit`, `depends_on`. */
  key: string
  /** What the stack asks for that the engine cannot do. */
  what: string
  /** What the export wrote instead. */
  instead: string
}

export class ExportReport {
  readonly unexpressed: Unexpressed[] = []
  readonly notes: string[] = []

  constructor(readonly engine: Engine) {}

  lost(subject: string, key: string, what: string, instead: string): void {
    this.unexpressed.push({subject, key, what, instead})
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text)
  }

  /** The items about one subject, for the comment beside its object. */
  about(subject: string): Unexpressed[] {
    return this.unexpressed.filter((u) => u.subject === subject)
  }

  /** Every line the command prints as a warning: the unexpressed keys first. */
  warnings(): string[] {
    return [...this.unexpressed.map(unexpressedLine), ...this.notes]
  }
}

export function unexpressedLine(item: Unexpressed): string {
  return `${item.subject}: ${item.key}: ${item.what} — ${item.instead}`
}

/** For a comment: the key, what is missing and what was done, without the subject the comment sits beside. */
export function unexpressedComment(item: Unexpressed): string {
  return `${item.key}: ${item.what} — ${item.instead}`
}

/** --strict: one line per key the engine cannot express; exit 2, nothing written. */
export function strictError(report: ExportReport): MarError {
  const lines = report.unexpressed.map((item) => `mar: ${report.engine} cannot express ${unexpressedLine(item)}`)
  lines.push(`mar: --strict: ${report.unexpressed.length} key${report.unexpressed.length === 1 ? '' : 's'} of mar.yaml cannot be expressed in ${report.engine}; nothing written — change them, or export without --strict`)
  return new MarError('not-expressible', `${report.engine} cannot express ${report.unexpressed.length} key(s) of the stack`, {exitCode: ExitCode.usage, details: {issues: lines, unexpressed: report.unexpressed}})
}
