// One place that turns a failure into what the user reads — one line (or a
// line per config problem), a stack trace only with --verbose — and the
// exit code. Used by every oclif command and by bin/run.js's fast paths.
import {ExitCode, isMarError} from '../util/errors.js'
import {escapeControl} from '../util/terminal-text.js'

export function reportError(error: Error & {oclif?: {exit?: number}}, verbose: boolean, commandId = ''): number {
  // A message may quote what the user typed or a file held (a target, a path, a pattern): its control characters are shown, not obeyed.
  const write = (line: string) => process.stderr.write(`${escapeControl(line.replace(/\n$/, ''))}\n`)
  let exitCode: number = ExitCode.failed
  if (isMarError(error)) {
    const issues = (error.details?.issues as string[] | undefined) ?? []
    if (issues.length > 0) for (const line of issues) write(line)
    else write(`mar: ${error.toLine()}`)
    exitCode = error.exitCode
  } else if (error instanceof UsageError || error.oclif?.exit === 2) {
    write(`mar: ${oneLine(error.message)} — see \`mar ${commandId.replaceAll(':', ' ')} --help\``.replace('mar  --help', 'mar --help'))
    exitCode = ExitCode.usage
  } else {
    write(`mar: internal error: ${error.message}${verbose ? '' : ' (run with --verbose for details)'}`)
  }
  if (verbose && error.stack) process.stderr.write(`${error.stack}\n`)
  return exitCode
}

/** oclif's messages span lines ("Missing 1 required arg:\nsignal  signal name"): fold them into one. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    // oclif's note on a repeatable flag (--env) is about where to put arguments, not what is wrong: it only hides the missing one.
    .filter((line) => line && !/^(See more help with|Note: --\S+ allows multiple values|Alternatively, you can use "--")/.test(line))
    .join(' ')
    .replace(/:\s+/, ': ')
    .replace(/\s{2,}/g, ' ')
}

/** The command line could not be read (an unknown flag, a missing argument, a flag value that does not parse). */
export class UsageError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message)
    this.stack = cause.stack
  }
}
