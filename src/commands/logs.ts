import {Args, Flags} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Logs extends MarCommand {
  static override summary = 'Show the last lines of instances, merged by time; -f follows.'
  static override description = `Lines are prefixed "web.1 |" in a stable color per runner; a line the program wrote to stderr is marked "web.1 !|". --stream stdout|stderr shows only one of them. --json prints one object a line: time, stack, instance, host, stream, line.
--clear [STACK] deletes the stored logs of STACK (default: the stack of this directory) and prints what it freed (--json: {stack, removed, bytes}); it refuses while the stack is up, since its programs still write them: take it down first (its logs stay after \`mar down\`). The daemon deletes by itself the logs of stacks that are down, and of instances a stack no longer has, once nothing was written to them for 7 days.`
  static override strict = false
  static override args = {target: Args.string({description: 'group, runner, instance or stack/runner (with --clear: a stack)'})}
  static override flags = {
    lines: Flags.integer({char: 'n', description: 'How many lines.', default: 100, min: 0}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new lines.', exclusive: ['clear']}),
    since: Flags.string({description: 'Only lines newer than this (e.g. 10m, 2h).'}),
    grep: Flags.string({description: 'Only lines matching this regular expression.'}),
    stream: Flags.string({description: 'Only the lines of this stream.', options: ['stdout', 'stderr']}),
    timestamps: Flags.boolean({description: 'Prefix each line with its time.'}),
    clear: Flags.boolean({description: 'Delete the stored logs of a stack that is down (default: this directory\'s).', exclusive: ['follow', 'since', 'grep', 'stream', 'timestamps']}),
  }
  static override examples = [
    '<%= config.bin %> logs',
    '<%= config.bin %> logs web -f',
    '<%= config.bin %> logs --since 10m --grep ERROR',
    '<%= config.bin %> logs --stream stderr',
    '<%= config.bin %> logs -n 20 --json',
    '<%= config.bin %> logs --clear shop',
  ]

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Logs)
    if (flags.clear) {
      const {runClearLogs} = await import('../cli/logs-clear.js')
      return this.exit(await runClearLogs(argv as string[], {config: flags.config, json: flags.json, quiet: flags.quiet}))
    }
    const {runLogs} = await import('../cli/logs.js')
    return this.exit(await runLogs(argv as string[], {...flags, stream: flags.stream as 'stdout' | 'stderr' | undefined, color: this.useColor(flags)}))
  }
}
