// `mar validate`: see src/cli/validate.ts (bin/run.js runs the plain forms without oclif).
import {MarCommand} from '../cli/base-command.js'

export default class Validate extends MarCommand {
  static override description = 'Check the config and print the resolved plan: groups in start order, instances, hosts, ports, env keys.'

  static override examples = ['<%= config.bin %> validate', '<%= config.bin %> validate -c deploy/mar.yaml --json']

  async run(): Promise<void> {
    const {flags} = await this.parse(Validate)
    const {runValidate} = await import('../cli/validate.js')
    return this.exit(await runValidate({config: flags.config, json: flags.json, quiet: flags.quiet}))
  }
}
