import {MarCommand} from '../cli/base-command.js'

export default class Hosts extends MarCommand {
  static override summary = 'Each host: state, latency, agent version, CPU and memory used/capacity, load, instances.'
  static override description = 'Lists `local` and the hosts of the stacks the daemon holds and of the config of the current directory (without a daemon: from the config alone). CPU and MEMORY are used/capacity, where used is the sum of the resources placed there and capacity what the host declares, or (marked *) what it reports. --json prints {"hosts": [{name, ssh, state, reason, latencyMs, version, cpus, cpusDeclared, cpuUsed, memory, memoryDeclared, memoryUsed, load, instances, since}]}.'

  async run(): Promise<void> {
    const {flags} = await this.parse(Hosts)
    const {showHosts} = await import('../cli/hosts.js')
    return this.exit(await showHosts({config: flags.config, json: flags.json, color: this.useColor(flags)}))
  }
}
