// `mar validate`: load the config and print the resolved plan (or every
// problem, exit 2). Imports only the config loader, lazily: no supervisor,
// ink or chokidar, so it starts fast.
import {MarCommand} from '../cli/base-command.js'

export default class Validate extends MarCommand {
  static override description = 'Check the config and print the resolved plan: groups in start order, instances, hosts, ports, env keys.'

  static override examples = ['<%= config.bin %> validate', '<%= config.bin %> validate -c deploy/mar.yaml --json']

  async run(): Promise<void> {
    const {flags} = await this.parse(Validate)
    const [{loadStack}, {configError}, {describePlan, planToJson}, {probeContainment, describeContainment}] = await Promise.all([
      import('../config/load.js'),
      import('../config/issues.js'),
      import('../config/describe-plan.js'),
      import('../supervisor/cgroup.js'),
    ])
    const cwd = process.cwd()
    const result = await loadStack({cwd, configPath: flags.config, env: process.env})
    if (!result.ok) {
      if (flags.json) {
        this.printJson({valid: false, errors: result.errors})
        this.exit(2)
      }
      throw configError(result.errors, cwd)
    }
    const containment = probeContainment()
    if (flags.json) {
      this.printJson({valid: true, ...(planToJson(result.plan, process.env, result.warnings) as object), containment})
      return
    }
    if (flags.quiet) return
    this.out(describePlan(result.plan, {cwd, env: process.env, warnings: result.warnings}).join('\n'))
    this.out(`containment: ${describeContainment(containment)}`)
  }
}
