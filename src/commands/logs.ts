import {Args, Flags} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Logs extends MarCommand {
  static override summary = 'Show the last lines of instances, merged by time; -f follows.'
  static override description = 'Lines are prefixed "web.1 |" in a stable color per runner. --json prints one object a line: time, stack, instance, host, stream, line.'
  static override strict = false
  static override args = {target: Args.string({description: 'group, runner, instance or stack/runner'})}
  static override flags = {
    lines: Flags.integer({char: 'n', description: 'How many lines.', default: 100, min: 0}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new lines.'}),
    since: Flags.string({description: 'Only lines newer than this (e.g. 10m, 2h).'}),
    grep: Flags.string({description: 'Only lines matching this regular expression.'}),
    timestamps: Flags.boolean({description: 'Prefix each line with its time.'}),
  }
  static override examples = ['<%= config.bin %> logs', '<%= config.bin %> logs web -f', '<%= config.bin %> logs --since 10m --grep ERROR', '<%= config.bin %> logs -n 20 --json']

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Logs)
    const {runLogs} = await import('../cli/logs.js')
    return this.exit(await runLogs(argv as string[], {...flags, color: this.useColor(flags)}))
  }
}
