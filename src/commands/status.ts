import {Args} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Status extends MarCommand {
  static override summary = 'Show every instance of every stack: state, health, pid, uptime, restarts, CPU, memory.'
  static override description = `With TARGETs — groups, runners, instances (web.2) or stack/runner — only the instances they name; an unknown target is an error (exit 2).
--json prints {"stacks": [{"name", "config", "instances": [...]}]}; each instance has name, runner, group, host, state, health, pid, startedAt, restarts, lastExit, cpu, memory, reason and reasonCode. With no daemon running there are no stacks: {"stacks": []}.`
  static override aliases = ['ps']
  static override strict = false
  static override args = {target: Args.string({description: 'group, runner, instance or stack/runner'})}
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status web worker.1', '<%= config.bin %> ps shop/web --json']

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Status)
    const {showStatus} = await import('../cli/show-status.js')
    return this.exit(await showStatus({json: flags.json, color: this.useColor(flags), targets: argv as string[], config: flags.config}))
  }
}
