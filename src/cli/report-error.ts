// One place that turns a failure into what the user reads — one line (or a
// line per config problem), a stack trace only with --verbose — and the
// exit code. Used by every oclif command and by bin/run.js's fast paths.
import {ExitCode, isMarError} from '../util/errors.js'

export function reportError(error: Error & {oclif?: {exit?: number}}, verbose: boolean, commandId = ''): number {
  const write = (line: string) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`)
  let exitCode: number = ExitCode.failed
  if (isMarError(error)) {
    const issues = (error.details?.issues as string[] | undefined) ?? []
    if (issues.length > 0) for (const line of issues) write(line)
    else write(`mar: ${error.toLine()}`)
    exitCode = error.exitCode
  } else if (error.oclif?.exit === 2 || isParseError(error)) {
    const firstLine = error.message.split('\n')[0]
    write(`mar: ${firstLine} — see \`mar ${commandId} --help\``.replace('  ', ' '))
    exitCode = ExitCode.usage
  } else {
    write(`mar: internal error: ${error.message}${verbose ? '' : ' (run with --verbose for details)'}`)
  }
  if (verbose && error.stack) write(error.stack)
  return exitCode
}

function isParseError(error: Error): boolean {
  return /^(Nonexistent flag|Unexpected argument|Missing required|Expected .* to be one of|Parsing --|Expected an integer|Missing \d+ required arg|Expected a valid)/.test(error.message)
}
