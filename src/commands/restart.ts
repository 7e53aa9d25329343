import {Args} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Restart extends MarCommand {
  static override summary = 'Restart instances; a scaled runner restarts one instance at a time (rolling).'
  static override description = 'TARGET is a group, a runner, an instance (web.2) or stack/runner; none means the whole stack of the current directory.'
  static override strict = false
  static override args = {target: Args.string({description: 'group, runner, instance or stack/runner'})}
  static override examples = ['<%= config.bin %> restart web', '<%= config.bin %> restart web.2 worker', '<%= config.bin %> restart shop/web']

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Restart)
    const {runTargetOp} = await import('../cli/target-ops.js')
    return this.exit(await runTargetOp('restart', argv as string[], {...flags, color: this.useColor(flags)}))
  }
}
