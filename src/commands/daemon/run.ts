import {MarCommand} from '../../cli/base-command.js'

export default class DaemonRun extends MarCommand {
  static override summary = 'Run the daemon in the foreground (what systemd runs).'
  static override description = 'Logs to stderr, tells systemd READY=1 once it listens (Type=notify), and on SIGTERM stops every stack gracefully before exiting. If a daemon already runs for this MAR_HOME, it is asked to step down with its services left running, and this one adopts them.'

  async run(): Promise<void> {
    await this.parse(DaemonRun)
    const {runDaemon} = await import('../../daemon/main.js')
    return this.exit(await runDaemon({foreground: true, takeOver: true}))
  }
}
