import {MarCommand} from '../../cli/base-command.js'

export default class DaemonDialStdio extends MarCommand {
  static override summary = "Connect stdin and stdout to the daemon's API, starting the daemon if needed."
  static override description = 'What an SSH connection carries to reach the daemon of a remote host (`ssh HOST mar daemon dial-stdio`). The bytes are the protocol itself (newline-delimited JSON, a hello first).'

  async run(): Promise<void> {
    await this.parse(DaemonDialStdio)
    const {dialStdio} = await import('../../cli/dial-stdio.js')
    return this.exit(await dialStdio())
  }
}
