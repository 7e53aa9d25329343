// ConfigIssue → the one-line form users read (`mar.yaml:7:7: unknown key
// "comand" — did you mean "cmd"?`) and the MarError the CLI turns into
// those lines and exit code 2.
import {isAbsolute, relative} from 'node:path'
import {ExitCode, MarError} from '../util/errors.js'
import {escapeControl} from '../util/terminal-text.js'
import type {ConfigIssue} from './types.js'

/** `FILE:LINE:COL: message — hint`; FILE is relative to cwd when it lies under it. */
export function formatIssue(issue: ConfigIssue, cwd: string = process.cwd()): string {
  const text = issue.hint ? `${issue.message} — ${issue.hint}` : issue.message
  if (!issue.file) return text
  let file = escapeControl(issue.file)
  if (isAbsolute(file)) {
    const rel = relative(cwd, file)
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) file = rel
  }
  const where = issue.line === undefined ? file : issue.column === undefined ? `${file}:${issue.line}` : `${file}:${issue.line}:${issue.column}`
  return `${where}: ${text}`
}

/**
 * The error `mar` reports for an invalid config: code `config-invalid`
 * (`config-not-found` when no file was found), exit code 2, and
 * `details.issues` holding one formatted line per issue, which the base
 * command prints one per line. `details.problems` keeps the structured issues for --json.
 */
export function configError(issues: readonly ConfigIssue[], cwd: string = process.cwd()): MarError {
  const notFound = issues.length > 0 && issues.every((issue) => issue.code === 'not-found')
  const lines = issues.map((issue) => formatIssue(issue, cwd))
  const first = issues[0]
  const summary = issues.length === 1 ? lines[0] : `${issues.length} problems in ${first ? formatIssue({...first, message: '', hint: undefined}, cwd).replace(/:\d+(:\d+)?: $/, '') : 'the config'}`
  // A not-found has no file: one `mar: …` line reads better than a bare issue line.
  if (notFound) return new MarError('config-not-found', first.message, {hint: first.hint, exitCode: ExitCode.usage, details: {problems: [...issues]}})
  return new MarError('config-invalid', summary, {exitCode: ExitCode.usage, details: {issues: lines, problems: [...issues]}})
}

/** By file, then line and column, so output reads top to bottom. */
export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) : a.file < b.file ? -1 : 1))
}

/** A value quoted back in a message: escaped, and cut to `max` characters. */
export function excerpt(text: string, max = 40): string {
  const escaped = escapeControl(text)
  return escaped.length <= max ? escaped : `${escaped.slice(0, max - 1)}…`
}

/** Longest message or hint we print: a value quoted back is an excerpt, never a whole file. */
const MAX_TEXT = 400

/** Issues reported at most: a file with 25 000 duplicate keys is one mistake repeated, not 25 000 lines to read. */
export const MAX_ISSUES = 100

/** One short line per issue, whatever the file held, and at most MAX_ISSUES of them. */
export function sanitizeIssues(all: ConfigIssue[]): ConfigIssue[] {
  const issues = all.length <= MAX_ISSUES ? all : [...all.slice(0, MAX_ISSUES - 1), {...all[MAX_ISSUES - 1], code: 'too-many', message: `and ${all.length - MAX_ISSUES + 1} more problems`, hint: undefined}]
  const clean = (text: string) => {
    const escaped = escapeControl(text)
    return escaped.length <= MAX_TEXT ? escaped : `${escaped.slice(0, MAX_TEXT - 21)}…${escaped.slice(-20)}`
  }
  return issues.map((issue) => ({...issue, message: clean(issue.message), ...(issue.hint === undefined ? {} : {hint: clean(issue.hint)})}))
}
