// What `mar export kubernetes` and `mar export nomad` share once the engine's
// files exist: where they go (a directory, or stdout with `-o -`), --strict,
// the warnings, and the --json summary. The mappings themselves live in
// src/export; this is only the command line around them.
import {relative, resolve} from 'node:path'
import type {ExportedFile} from '../systemd/export.js'
import {strictError, type ExportReport} from '../export/unexpressed.js'
import {ExitCode, MarError} from '../util/errors.js'
import {shellWord} from '../util/format.js'
import {writeFilesSafely} from '../util/write-files.js'

export interface OutputFlags {
  output?: string
  force: boolean
  strict: boolean
  json: boolean
  quiet: boolean
}

/** `-` (stdout) or a directory: DIR and -o say the same thing; both at once must agree. */
export function outputTarget(dir: string | undefined, output: string | undefined, fallback: string, json: boolean): string {
  if (dir !== undefined && output !== undefined && dir !== output) {
    throw new MarError('bad-flag', `both DIR (${dir}) and -o (${output}) name where to write`, {hint: 'give one of them', exitCode: ExitCode.usage})
  }
  const target = output ?? dir ?? fallback
  if (target === '-' && json) throw new MarError('bad-flag', '--json and -o - both want stdout', {hint: 'write into a directory with --json, or drop --json', exitCode: ExitCode.usage})
  return target
}

export interface FinishedExport {
  stack: string
  engine: string
  files: ExportedFile[]
  report: ExportReport
  /** All files as one text, for stdout. */
  stdout: string
  /** What to run next, given the directory written into. */
  next: (dir: string) => string
}

interface Io {
  out(text: string): void
  err(text: string): void
  json(value: unknown): void
}

export async function finishExport(result: FinishedExport, target: string, flags: OutputFlags, io: Io, cwd: string): Promise<void> {
  if (flags.strict && result.report.unexpressed.length > 0) throw strictError(result.report)
  const warnings = result.report.warnings()
  if (target === '-') {
    for (const warning of warnings) io.err(`mar: warning: ${warning}`)
    io.out(result.stdout)
    return
  }
  const dir = resolve(cwd, target)
  const paths = await writeFilesSafely(dir, result.files, {force: flags.force, elsewhere: 'export into another directory'})
  if (flags.json) {
    io.json({stack: result.stack, engine: result.engine, dir, files: paths, unexpressed: result.report.unexpressed, warnings})
    return
  }
  for (const warning of warnings) io.err(`mar: warning: ${warning}`)
  if (flags.quiet) return
  for (const path of paths) io.out(`wrote ${relative(cwd, path) || path}`)
  io.out(result.next(shellWord(relative(cwd, dir) || '.')))
}
