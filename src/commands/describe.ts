import {Args} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Describe extends MarCommand {
  static override summary = 'Everything about one instance: command, cwd, env keys, cgroup, probes, its last exits, log files.'
  static override description = `INSTANCE is web.2 or shop/web.2 (a runner or group with a single instance will do). Environment values are never shown, only keys.
--json prints the instance as \`mar status --json\` does (name, runner, group, host, state, health, pid, startedAt, restarts, lastExit, cpu, memory, reason, reasonCode) plus stack, config, nextRestartAt, oneshot, notifyStatus, command ({shell} or {argv}), cwd, env (keys), inheritedEnv, port, cgroup, probes {ready, liveness} (kind, target, intervalMs, timeoutMs, failures, passed, at, message), exits (the last 20: at, code, signal, state, reason, reasonCode) and logs {dir, stdout, stderr}.`
  static override args = {instance: Args.string({description: 'instance (web.2) or stack/instance', required: true})}
  static override examples = ['<%= config.bin %> describe web.1', '<%= config.bin %> describe shop/worker.1 --json']

  async run(): Promise<void> {
    const {flags, args} = await this.parse(Describe)
    const {runDescribe} = await import('../cli/describe.js')
    return this.exit(await runDescribe(args.instance, {config: flags.config, json: flags.json, color: this.useColor(flags)}))
  }
}
