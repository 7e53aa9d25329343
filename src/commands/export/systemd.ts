// `mar export systemd DIR`: the stack of this directory as native systemd
// units, for hosts without mar. Thin: the mapping lives in src/systemd/export.ts.
import {relative, resolve} from 'node:path'
import {Args, Flags} from '@oclif/core'
import {MarCommand} from '../../cli/base-command.js'
import {shellWord} from '../../util/format.js'

export default class ExportSystemd extends MarCommand {
  static override description = `Write the stack as native systemd units: one service per instance (<stack>-<instance>.service, e.g. shop-web.1.service) and <stack>.target, which wants them all.
Mapped: cmd → ExecStart (a string runs as /bin/sh -c, an argv is quoted for systemd; the program is made absolute through PATH), cwd → WorkingDirectory, the environment the stack sets plus PORT and MAR_* → Environment= (inherited variables only with --env), restart → Restart=/RestartSec= (backoff initial) and StartLimitBurst=/StartLimitIntervalSec= (limit), stop → KillSignal=/TimeoutStopSec=/ExecStop=, oneshot → Type=oneshot with RemainAfterExit=yes, ready notify → Type=notify, ready after/exec → ExecStartPost=, memory_limit → MemoryMax=, resources.cpu → CPUQuota=, depends_on → Requires=/After= between the groups' instances, an ordered group → an After= chain.
Not mapped, and said so in a comment in each unit: http/tcp/log readiness probes, health checks, watch, exponential backoff, one-for-all/rest-for-one, log rotation (output goes to the journal).
Units that carry environment values are written with mode 0600. Existing files are an error unless --force.
Install them with: cp DIR/* /etc/systemd/system/ && systemctl daemon-reload && systemctl enable --now <stack>.target`

  static override examples = ['<%= config.bin %> export systemd ./units', '<%= config.bin %> export systemd ~/.config/systemd/user --user --env PATH', '<%= config.bin %> export systemd ./units --host web1']

  static override args = {
    dir: Args.string({description: 'Directory to write the units into (created if missing).', required: true}),
  }

  static override flags = {
    force: Flags.boolean({char: 'f', description: 'Overwrite existing unit files.'}),
    user: Flags.boolean({description: 'Units for a user manager (WantedBy=default.target) instead of system units (multi-user.target, User= of a non-root invoker).'}),
    host: Flags.string({description: 'Export only the instances mar places on this host.'}),
    env: Flags.string({description: 'Also export this inherited environment variable, e.g. PATH (repeatable).', multiple: true, multipleNonGreedy: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ExportSystemd)
    const cwd = process.cwd()
    const [{loadPlanOrThrow}, {exportStack, writeExport}] = await Promise.all([import('../../cli/load-plan.js'), import('../../systemd/export.js')])
    const plan = await loadPlanOrThrow(flags.config, cwd)
    const scope = flags.user ? 'user' : 'system'
    let account: {user: string; group: string} | undefined
    if (scope === 'system' && process.getuid?.() !== 0) {
      const {invokingAccount} = await import('../../systemd/startup-unit.js')
      account = await invokingAccount({})
    }
    const result = exportStack(plan, {scope, baseEnv: process.env, extraEnv: flags.env ?? [], host: flags.host, account})
    const dir = resolve(cwd, args.dir)
    const paths = await writeExport(dir, result.files, flags.force)

    if (flags.json) {
      this.printJson({stack: plan.name, dir, target: result.target, files: paths, warnings: result.warnings})
      return
    }
    for (const warning of result.warnings) this.err(`mar: warning: ${warning}`)
    if (flags.quiet) return
    for (const path of paths) this.out(`wrote ${relative(cwd, path) || path}`)
    const ctl = scope === 'user' ? 'systemctl --user' : 'systemctl'
    const into = scope === 'user' ? '~/.config/systemd/user/' : '/etc/systemd/system/'
    this.out(`install: cp ${shellWord(dir)}/* ${into} && ${ctl} daemon-reload && ${ctl} enable --now ${result.target}`)
  }
}
