import {MarCommand} from '../cli/base-command.js'

export default class Status extends MarCommand {
  static override summary = 'Show every instance of every stack: state, health, pid, uptime, restarts, CPU, memory.'
  static override description = `--json prints {"stacks": [{"name", "config", "instances": [...]}]}; each instance has name, runner, group, host, state, health, pid, startedAt, restarts, lastExit, cpu, memory and reason. With no daemon running there are no stacks: {"stacks": []}.`
  static override aliases = ['ps']
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> ps --json']

  async run(): Promise<void> {
    const {flags} = await this.parse(Status)
    const {showStatus} = await import('../cli/show-status.js')
    return this.exit(await showStatus({json: flags.json, color: this.useColor(flags)}))
  }
}
