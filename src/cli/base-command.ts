// The base of every mar command: the global flags (README, "Commands") and the one
// place that turns a failure into one clear line and an exit code.
// Commands stay thin: parse flags, call the config loader or the daemon API,
// render. They never import the supervisor, ink or chokidar at top level.
import {Command, Flags, Errors, type Interfaces} from '@oclif/core'
import {shouldColor} from '../util/colors.js'
import {reportError, UsageError} from './report-error.js'
import {flushOutput} from '../util/flush.js'

/** What oclif's parser hands back for flags and args (its own name for it is not exported). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ParsedOutput = {[name: string]: any}

export const globalFlags = {
  config: Flags.string({char: 'c', description: 'Path to mar.yaml (or a Procfile).', helpGroup: 'GLOBAL'}),
  json: Flags.boolean({description: 'Print machine-readable JSON.', helpGroup: 'GLOBAL'}),
  color: Flags.boolean({description: 'Color output (default: when stdout is a TTY and NO_COLOR is unset).', allowNo: true, helpGroup: 'GLOBAL'}),
  verbose: Flags.boolean({char: 'v', description: 'Print more, including stack traces of errors.', helpGroup: 'GLOBAL'}),
  quiet: Flags.boolean({char: 'q', description: 'Print only errors.', helpGroup: 'GLOBAL'}),
}

export abstract class MarCommand extends Command {
  static override baseFlags = globalFlags

  /** Whatever goes wrong while reading the command line is the caller's mistake (exit 2), however oclif words it. */
  protected override async parse<F extends ParsedOutput, B extends ParsedOutput, A extends ParsedOutput>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv)
    } catch (error) {
      throw error instanceof Errors.ExitError ? error : new UsageError(error as Error)
    }
  }

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

  /** Runs after run() and catch(), before oclif exits: let big outputs reach a pipe whole. */
  protected override async finally(error: Error | undefined): Promise<unknown> {
    await flushOutput()
    return super.finally(error)
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}; code?: string}): Promise<unknown> {
    // this.exit() throws an ExitError that must reach oclif untouched.
    if (error instanceof Errors.ExitError) throw error
    return this.exit(reportError(error, this.isVerbose(), this.id ?? ''))
  }
}
