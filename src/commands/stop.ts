import {Args} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Stop extends MarCommand {
  static override summary = 'Stop instances and keep them stopped (the stack stays up).'
  static override description = 'TARGET is a group, a runner, an instance (web.2) or stack/runner; none means the whole stack of the current directory.'
  static override strict = false
  static override args = {target: Args.string({description: 'group, runner, instance or stack/runner'})}
  static override examples = ['<%= config.bin %> stop web', '<%= config.bin %> stop web.2 worker', '<%= config.bin %> stop shop/web']

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Stop)
    const {runTargetOp} = await import('../cli/target-ops.js')
    return this.exit(await runTargetOp('stop', argv as string[], {...flags, color: this.useColor(flags)}))
  }
}
