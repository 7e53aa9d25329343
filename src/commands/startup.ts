// `mar startup`: write a systemd unit for the daemon from templates/mar.service
// and enable it, so the daemon (and the stacks it records as up) come back
// after a reboot. Thin: the unit logic lives in src/systemd, loaded lazily.
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {homedir, userInfo} from 'node:os'
import {join, resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'
import {ExitCode, MarError, errorMessage} from '../util/errors.js'

export default class Startup extends MarCommand {
  static override description = `Write and enable a systemd unit that runs the mar daemon (\`mar daemon run\`, Type=notify).
--user (the default, unless you are root) writes $XDG_CONFIG_HOME/systemd/user/mar.service (~/.config/systemd/user/) for your user manager; a user unit starts at login, or at boot once \`loginctl enable-linger\` is set for you.
--system (the default as root) writes /etc/systemd/system/mar.service with User=/Group= of the invoking user (SUDO_USER under sudo, else root) and starts at boot.
Then runs \`systemctl [--user] daemon-reload\` and \`systemctl [--user] enable --now mar.service\`. Running it again rewrites the unit (do so after moving Node.js or mar).
The unit uses KillMode=process: services outlive a crashed or upgraded daemon and the next one adopts them; \`systemctl stop mar\` makes the daemon stop every stack gracefully first.
Without a running systemd (containers, CI) the unit is still written; mar says which systemctl call failed and how to finish by hand, and exits 1.`

  static override examples = ['<%= config.bin %> startup', 'sudo <%= config.bin %> startup --system', '<%= config.bin %> startup --print']

  static override flags = {
    user: Flags.boolean({description: 'A unit for your user manager (default unless root).', exclusive: ['system']}),
    system: Flags.boolean({description: 'A system unit in /etc/systemd/system (default as root).', exclusive: ['user']}),
    print: Flags.boolean({description: 'Print the unit and change nothing.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Startup)
    const unitMod = await import('../systemd/startup-unit.js')
    const scope = flags.system ? 'system' : flags.user ? 'user' : unitMod.defaultScope()
    const account = scope === 'system' ? await unitMod.invokingAccount() : undefined
    const marHome = process.env.MAR_HOME ? resolve(process.env.MAR_HOME) : join(account?.home ?? homedir(), '.mar')
    const template = await readFile(join(this.config.root, 'templates', 'mar.service'), 'utf8')
    const unit = unitMod.renderStartupUnit(template, {
      scope,
      node: process.execPath,
      runJs: join(this.config.root, 'bin', 'run.js'),
      marHome,
      path: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      account,
    })
    const dir = unitMod.unitDir(scope)
    const path = join(dir, unitMod.DAEMON_UNIT)

    if (flags.print) {
      if (flags.json) this.printJson({scope, path, unit})
      else process.stdout.write(unit)
      return
    }

    const existed = existsSync(path)
    try {
      await mkdir(dir, {recursive: true})
      await writeFile(path, unit, {mode: 0o644})
    } catch (error) {
      const denied = (error as NodeJS.ErrnoException).code === 'EACCES' || (error as NodeJS.ErrnoException).code === 'EPERM'
      throw new MarError('unit-not-written', `cannot write ${path}: ${denied ? 'permission denied' : errorMessage(error)}`, {
        hint: scope === 'system' ? 'run `sudo mar startup --system`, or `mar startup --user` for a user unit' : 'check that the directory is writable',
        exitCode: ExitCode.failed,
      })
    }
    if (!flags.quiet && !flags.json) this.out(`${existed ? 'updated' : 'wrote'} ${path}`)

    const {systemctl} = await import('../systemd/systemctl.js')
    for (const args of [['daemon-reload'], ['enable', '--now', unitMod.DAEMON_UNIT]]) {
      const result = await systemctl(scope, args)
      if (!result.ok) {
        throw new MarError('systemctl-failed', `wrote ${path}, but \`${result.command}\` failed: ${result.reason}`, {
          hint: `enable it by hand once systemd runs: ${unitMod.manualEnable(scope)}`,
          exitCode: ExitCode.failed,
          details: {path, scope, command: result.command, reason: result.reason},
        })
      }
    }

    const linger = scope === 'user' ? lingerNote() : undefined
    if (flags.json) {
      this.printJson({scope, path, written: true, updated: existed, enabled: true, ...(linger ? {note: linger} : {})})
      return
    }
    if (flags.quiet) return
    this.out(`enabled and started ${unitMod.DAEMON_UNIT} (${scope === 'user' ? 'systemctl --user' : 'systemctl'} status ${unitMod.DAEMON_UNIT})`)
    if (linger) this.out(`note: ${linger}`)
  }
}

/** A user manager runs only while its user is logged in, unless lingering is on. */
function lingerNote(): string | undefined {
  const user = userInfo().username
  if (existsSync(join('/var/lib/systemd/linger', user))) return undefined
  return `the unit starts when you log in; to start it at boot, run \`loginctl enable-linger ${user}\``
}
