// start / stop / restart are the same command but for the verb: one class
// factory keeps their flags, help and behaviour from drifting apart.
import {Args, type Command} from '@oclif/core'
import {MarCommand} from './base-command.js'

type Op = 'start' | 'stop' | 'restart'

export function targetCommand(op: Op, summary: string): typeof MarCommand {
  class TargetCommand extends MarCommand {
    static override summary = summary
    static override description = 'TARGET is a group, a runner, an instance (web.2) or stack/runner; none means the whole stack of the current directory.'
    static override strict = false
    static override args = {target: Args.string({description: 'group, runner, instance or stack/runner'})}
    static override examples = [`<%= config.bin %> ${op} web`, `<%= config.bin %> ${op} web.2 worker`, `<%= config.bin %> ${op} shop/web`]

    async run(): Promise<void> {
      const {flags, argv} = await this.parse(this.constructor as typeof Command & typeof TargetCommand)
      const {runTargetOp} = await import('./target-ops.js')
      return this.exit(await runTargetOp(op, argv as string[], {...flags, color: this.useColor(flags)}))
    }
  }
  return TargetCommand
}
