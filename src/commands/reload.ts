import {Flags} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Reload extends MarCommand {
  static override summary = 'Re-read the config and apply the difference: restart only what changed, add and remove runners.'
  static override description = 'Prints the diff: + added, - removed, ~ changed (and which fields). Changed instances of a scaled runner restart one at a time. A change to a group itself (strategy, restart, depends_on, groups added or removed) restarts the stack as a whole. --dry-run prints the plan and changes nothing.'
  static override flags = {'dry-run': Flags.boolean({description: 'Print what would change; change nothing.'})}
  static override examples = ['<%= config.bin %> reload --dry-run', '<%= config.bin %> reload']

  async run(): Promise<void> {
    const {flags} = await this.parse(Reload)
    const {runReload} = await import('../cli/reload.js')
    return this.exit(await runReload({config: flags.config, dryRun: flags['dry-run'] ?? false, json: flags.json, color: this.useColor(flags), quiet: flags.quiet}))
  }
}
