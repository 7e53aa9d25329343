import {Flags} from '@oclif/core'
import {MarCommand} from '../../cli/base-command.js'

export default class DaemonStop extends MarCommand {
  static override summary = 'Stop the daemon: every stack first, gracefully.'
  static override description = 'Stacks stay recorded and come back with the next daemon (use `mar down` to take one away for good). With --keep the services keep running and the next daemon adopts them: the way to upgrade mar without downtime.'
  static override flags = {keep: Flags.boolean({description: 'Leave every service running for the next daemon to adopt.'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(DaemonStop)
    const {daemonStop} = await import('../../cli/daemon-admin.js')
    return this.exit(await daemonStop({keep: flags.keep, json: flags.json, quiet: flags.quiet}))
  }
}
