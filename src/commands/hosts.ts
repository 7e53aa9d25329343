import {MarCommand} from '../cli/base-command.js'

export default class Hosts extends MarCommand {
  static override summary = 'Each host of the stack: reachable, agent version, load, what runs there.'
  static override description = 'Lists `local` and the hosts declared in the config of the current directory (if any), with the instances the daemon runs on each. --json prints {"hosts": [{name, ssh, reachable, agentVersion, load, instances, reason}]}.'

  async run(): Promise<void> {
    const {flags} = await this.parse(Hosts)
    const {showHosts} = await import('../cli/hosts.js')
    return this.exit(await showHosts({config: flags.config, json: flags.json, color: this.useColor(flags)}))
  }
}
