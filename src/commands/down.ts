import {Args, Flags} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Down extends MarCommand {
  static override summary = 'Stop the stack gracefully, dependents first, and remove it from the daemon.'
  static override description = 'With TARGETs, stop just those (in reverse dependency order) and keep the stack. With none, the whole stack of the current directory stops and will not come back with the daemon.'
  static override strict = false
  static override args = {target: Args.string({description: 'group, runner, instance or stack/runner'})}
  static override flags = {
    keep: Flags.boolean({description: 'leave what runs on a remote host that cannot be reached now running there (by default it is stopped once the host is back)'}),
  }
  static override examples = ['<%= config.bin %> down', '<%= config.bin %> down worker', '<%= config.bin %> down shop/']

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Down)
    const {runDown} = await import('../cli/down.js')
    return this.exit(await runDown(argv as string[], {...flags, color: this.useColor(flags)}))
  }
}
