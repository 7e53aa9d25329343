import {Args} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Signal extends MarCommand {
  static override summary = "Send a signal to each instance's whole process group."
  static override description = 'SIGNAL is a name (SIGHUP, HUP, usr1) or a number (1). TARGET is a group, a runner, an instance or stack/runner; none means the whole stack.'
  static override strict = false
  // One signal, then any number of targets (oclif would mark every argument of a non-strict command as repeatable).
  static override usage = 'signal SIGNAL TARGET... [-c <value>] [--json] [--color] [-v] [-q]'
  static override args = {
    signal: Args.string({description: 'signal name or number', required: true}),
    target: Args.string({description: 'group, runner, instance or stack/runner'}),
  }
  static override examples = ['<%= config.bin %> signal SIGHUP web', '<%= config.bin %> signal USR2 worker.1', '<%= config.bin %> signal 1 shop/web']

  async run(): Promise<void> {
    const {flags, args, argv} = await this.parse(Signal)
    const {runTargetOp} = await import('../cli/target-ops.js')
    const targets = (argv as string[]).slice(1)
    return this.exit(await runTargetOp('signal', targets, {...flags, color: this.useColor(flags)}, args.signal))
  }
}
