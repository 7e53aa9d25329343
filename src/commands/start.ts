import {Args} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Start extends MarCommand {
  static override summary = 'Start stopped instances of a stack that is up.'
  static override description = 'TARGET is a group, a runner, an instance (web.2) or stack/runner; none means the whole stack of the current directory.'
  static override strict = false
  static override args = {target: Args.string({description: 'group, runner, instance or stack/runner'})}
  static override examples = ['<%= config.bin %> start web', '<%= config.bin %> start web.2 worker', '<%= config.bin %> start shop/web']

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Start)
    const {runTargetOp} = await import('../cli/target-ops.js')
    return this.exit(await runTargetOp('start', argv as string[], {...flags, color: this.useColor(flags)}))
  }
}
