// `mar unstartup`: disable and remove the unit `mar startup` wrote. Idempotent,
// and it works without a running systemd: the file and the link `enable`
// made are removed by hand when systemctl cannot do it.
import {existsSync} from 'node:fs'
import {lstat, rm, unlink} from 'node:fs/promises'
import {join} from 'node:path'
import {Flags} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Unstartup extends MarCommand {
  static override description = `Disable and remove the systemd unit written by \`mar startup\`.
Runs \`systemctl [--user] disable mar.service\`, removes the unit file (and the \`*.target.wants\` link, should systemctl be unable to), then \`daemon-reload\`.
A daemon that systemd is running keeps running (and so do its stacks) unless you pass --stop, which stops it — and with it every stack, gracefully.
Nothing to remove is not an error: it says so and exits 0, so scripts may run it unconditionally. When systemctl fails (no running systemd), the file is removed all the same and a note says what failed; the exit code is 0.`

  static override examples = ['<%= config.bin %> unstartup', 'sudo <%= config.bin %> unstartup --system --stop']

  static override flags = {
    user: Flags.boolean({description: 'Remove the user unit (default unless root).', exclusive: ['system']}),
    system: Flags.boolean({description: 'Remove the system unit (default as root).', exclusive: ['user']}),
    stop: Flags.boolean({description: 'Also stop the daemon systemd runs (`disable --now`), which stops every stack.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Unstartup)
    const unitMod = await import('../systemd/startup-unit.js')
    const scope = flags.system ? 'system' : flags.user ? 'user' : unitMod.defaultScope()
    const dir = unitMod.unitDir(scope)
    const path = join(dir, unitMod.DAEMON_UNIT)
    if (!existsSync(path)) {
      if (flags.json) this.printJson({scope, path, removed: false})
      else if (!flags.quiet) this.out(`no ${unitMod.DAEMON_UNIT} in ${dir}: nothing to remove`)
      return
    }

    const {systemctl} = await import('../systemd/systemctl.js')
    const notes: string[] = []
    // disable reads the unit's [Install] section, so it runs before the file goes.
    const disabled = await systemctl(scope, ['disable', ...(flags.stop ? ['--now'] : []), unitMod.DAEMON_UNIT])
    if (!disabled.ok) notes.push(`\`${disabled.command}\` failed (${disabled.reason}); removed the unit file and its link anyway`)
    const link = join(dir, `${unitMod.wantedBy(scope)}.wants`, unitMod.DAEMON_UNIT)
    if ((await lstat(link).catch(() => null))?.isSymbolicLink()) await unlink(link)
    await rm(path, {force: true})
    if (disabled.ok) {
      const reloaded = await systemctl(scope, ['daemon-reload'])
      if (!reloaded.ok) notes.push(`\`${reloaded.command}\` failed (${reloaded.reason})`)
    }

    if (flags.json) {
      this.printJson({scope, path, removed: true, disabled: disabled.ok, notes})
      return
    }
    for (const note of notes) this.err(`mar: note: ${note}`)
    if (flags.quiet) return
    this.out(`removed ${path}${disabled.ok && flags.stop ? ' and stopped the daemon' : ''}`)
    if (disabled.ok && !flags.stop) this.out('if systemd was running the daemon, it keeps running with its stacks until `mar daemon stop` (`mar unstartup --stop` stops it)')
  }
}
