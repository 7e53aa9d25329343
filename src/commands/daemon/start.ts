import {MarCommand} from '../../cli/base-command.js'

export default class DaemonStart extends MarCommand {
  static override summary = 'Start the mar daemon in the background (if it is not running).'
  static override description = 'The daemon brings back every stack that was up when it last stopped, adopting services that kept running.'

  async run(): Promise<void> {
    const {flags} = await this.parse(DaemonStart)
    const {daemonStart} = await import('../../cli/daemon-admin.js')
    return this.exit(await daemonStart({json: flags.json, quiet: flags.quiet}))
  }
}
