import {MarCommand} from '../../cli/base-command.js'

export default class DaemonStatus extends MarCommand {
  static override summary = 'Is the daemon running? Its pid, version, MAR_HOME, uptime and what it holds.'
  static override description = 'Exit code 0 when it runs, 3 when it does not.'

  async run(): Promise<void> {
    const {flags} = await this.parse(DaemonStatus)
    const {daemonStatus} = await import('../../cli/daemon-admin.js')
    return this.exit(await daemonStatus({json: flags.json}))
  }
}
