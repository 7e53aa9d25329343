// The base of every mar command: the global flags of SPEC §3 and the one
// place that turns a failure into one clear line and an exit code.
// Commands stay thin: parse flags, call the config loader or the daemon API,
// render. They never import the supervisor, ink or chokidar at top level.
import {Command, Flags, Errors} from '@oclif/core'
import {ExitCode, isMarError} from '../util/errors.js'
import {shouldColor} from '../util/colors.js'

export const globalFlags = {
  config: Flags.string({char: 'c', description: 'Path to mar.yaml (or a Procfile).', helpGroup: 'GLOBAL'}),
  json: Flags.boolean({description: 'Print machine-readable JSON.', helpGroup: 'GLOBAL'}),
  color: Flags.boolean({description: 'Color output (default: when stdout is a TTY and NO_COLOR is unset).', allowNo: true, helpGroup: 'GLOBAL'}),
  verbose: Flags.boolean({char: 'v', description: 'Print more, including stack traces of errors.', helpGroup: 'GLOBAL'}),
  quiet: Flags.boolean({char: 'q', description: 'Print only errors.', helpGroup: 'GLOBAL'}),
}

export interface GlobalOptions {
  config?: string
  json: boolean
  color?: boolean
  verbose: boolean
  quiet: boolean
}

export abstract class MarCommand extends Command {
  static override baseFlags = globalFlags

  /** Write one line (or several) to stdout, unbuffered by oclif's logger. */
  protected out(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  protected err(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  protected printJson(value: unknown): void {
    this.out(JSON.stringify(value, null, 2))
  }

  protected useColor(flags: {color?: boolean}, stream: NodeJS.WriteStream = process.stdout): boolean {
    return shouldColor(flags.color, stream)
  }

  private isVerbose(): boolean {
    return this.argv.includes('--verbose') || this.argv.includes('-v')
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}; code?: string}): Promise<unknown> {
    // this.exit() throws an ExitError that must reach oclif untouched.
    if (error instanceof Errors.ExitError) throw error
    const verbose = this.isVerbose()
    let exitCode: number = ExitCode.failed
    if (isMarError(error)) {
      const issues = (error.details?.issues as string[] | undefined) ?? []
      if (issues.length > 0) for (const line of issues) this.err(line)
      else this.err(`mar: ${error.toLine()}`)
      exitCode = error.exitCode
    } else if (error.oclif?.exit === 2 || isParseError(error)) {
      const firstLine = error.message.split('\n')[0]
      this.err(`mar: ${firstLine} — see \`mar ${this.id ?? ''} --help\``.replace('  ', ' '))
      exitCode = ExitCode.usage
    } else {
      this.err(`mar: internal error: ${error.message}${verbose ? '' : ' (run with --verbose for details)'}`)
    }
    if (verbose && error.stack) this.err(error.stack)
    return this.exit(exitCode)
  }
}

function isParseError(error: Error): boolean {
  return /^(Nonexistent flag|Unexpected argument|Missing required|Expected .* to be one of|Parsing --|Expected an integer|Missing \d+ required arg|Expected a valid)/.test(error.message)
}
