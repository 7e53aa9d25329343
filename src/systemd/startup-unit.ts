// The daemon's own unit for `mar startup` / `mar unstartup`: where it goes,
// whose it is, and templates/mar.service filled in.
import {execa} from 'execa'
import {homedir, userInfo} from 'node:os'
import {join, resolve} from 'node:path'
import {MarError} from '../util/errors.js'
import {escapeSpecifiers, execLine, quoteEnvAssignment} from './unit-syntax.js'
import {DAEMON_ENV, DAEMON_NODE_FLAGS} from '../api/daemon-process.js'

export type Scope = 'user' | 'system'

export const DAEMON_UNIT = 'mar.service'

/** Root has no user manager worth relying on at boot; everyone else gets a user unit. */
export function defaultScope(uid: number | undefined = process.getuid?.()): Scope {
  return uid === 0 ? 'system' : 'user'
}

export function wantedBy(scope: Scope): string {
  return scope === 'user' ? 'default.target' : 'multi-user.target'
}

/**
 * Where the unit file goes. MAR_SYSTEMD_DIR is a test hook (and an escape
 * hatch for unusual layouts): it replaces the directory for either scope,
 * so tests never touch /etc or the real ~/.config.
 */
export function unitDir(scope: Scope, env: NodeJS.ProcessEnv = process.env): string {
  if (env.MAR_SYSTEMD_DIR) return resolve(env.MAR_SYSTEMD_DIR)
  if (scope === 'system') return '/etc/systemd/system'
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config')
  return join(config, 'systemd', 'user')
}

/** The account a system unit runs the daemon as. */
export interface Account {
  user: string
  group: string
  home: string
}

async function getent(database: 'passwd' | 'group', key: string): Promise<string[] | null> {
  const result = await execa('getent', [database, key], {reject: false, stdin: 'ignore'})
  if (result.failed || typeof result.stdout !== 'string' || result.stdout === '') return null
  return result.stdout.split('\n')[0]!.split(':')
}

/**
 * The invoking user: under `sudo mar startup --system` that is SUDO_USER
 * (the daemon should run as the person, not as root), otherwise whoever runs mar.
 */
export async function invokingAccount(env: NodeJS.ProcessEnv = process.env): Promise<Account> {
  const me = userInfo()
  let name = me.username
  let gid = String(me.gid)
  let home = me.homedir
  if (me.uid === 0 && env.SUDO_USER && env.SUDO_USER !== 'root') {
    const entry = await getent('passwd', env.SUDO_USER)
    if (!entry || entry.length < 6) {
      throw new MarError('unknown-user', `cannot look up SUDO_USER "${env.SUDO_USER}"`, {hint: 'run `mar startup --system` as that user with sudo, or as root without sudo'})
    }
    name = entry[0]!
    gid = entry[3]!
    home = entry[5]!
  }
  const group = (await getent('group', gid))?.[0] ?? gid
  return {user: name, group, home}
}

export interface StartupUnitOptions {
  scope: Scope
  /** The node binary that runs mar (process.execPath). */
  node: string
  /** mar's bin/run.js. */
  runJs: string
  marHome: string
  path: string
  /** System units only: who the daemon runs as. */
  account?: Account
}

/** Fill in templates/mar.service. Every value is escaped for systemd here; the template holds only fixed text. */
export function renderStartupUnit(template: string, options: StartupUnitOptions): string {
  const values: Record<string, string> = {
    SCOPE: options.scope,
    MAR_HOME_SHOWN: escapeSpecifiers(`MAR_HOME=${options.marHome}`.replace(/[\r\n]/g, ' ')),
    NETWORK:
      options.scope === 'system'
        ? // Stacks reach remote hosts over ssh and bind addresses: wait for the network at boot.
          'Wants=network-online.target\nAfter=network-online.target'
        : '',
    EXEC_START: execLine([options.node, ...DAEMON_NODE_FLAGS, options.runJs, 'daemon', 'run']),
    ENV_MAR_HOME: quoteEnvAssignment('MAR_HOME', options.marHome),
    ENV_PATH: quoteEnvAssignment('PATH', options.path),
    ENV_DAEMON: Object.entries(DAEMON_ENV).map(([key, value]) => quoteEnvAssignment(key, value)).join(' '),
    ACCOUNT: options.account ? `User=${escapeSpecifiers(options.account.user)}\nGroup=${escapeSpecifiers(options.account.group)}` : '',
    WANTED_BY: wantedBy(options.scope),
  }
  const lines: string[] = []
  for (const line of template.split('\n')) {
    const whole = /^\{\{([A-Z_]+)\}\}$/.exec(line)
    // A line that is only a placeholder disappears when its value is empty.
    if (whole && values[whole[1]!] === '') continue
    lines.push(
      line.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
        const value = values[key]
        if (value === undefined) throw new Error(`templates/mar.service: unknown placeholder {{${key}}}`)
        return value
      }),
    )
  }
  return lines.join('\n')
}

/** How to do by hand what `mar startup` could not: for the one-line error. */
export function manualEnable(scope: Scope): string {
  const ctl = scope === 'user' ? 'systemctl --user' : 'systemctl'
  return `${ctl} daemon-reload && ${ctl} enable --now ${DAEMON_UNIT}`
}
