// How mar runs ssh to reach a remote host, and how it tells ssh's failures.
// The command is the user's own OpenSSH with their config, keys and
// known_hosts (or the file MAR_SSH_CONFIG / `ssh_config:` names), in batch
// mode (nobody is there to type a password or say "yes"), with host key
// checking left exactly as the user has it — mar never turns it off. One
// ControlMaster per destination under MAR_HOME/ssh/ carries the probe, the
// upload and every link, so the host sees one TCP connection and one login.
import {createHash} from 'node:crypto'
import {execFileSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {MarError} from '../util/errors.js'

export interface SshHost {
  /** mar's name for the host (the key under `hosts:`). */
  name: string
  /** The ssh destination: `user@host`, `host`, an alias of the ssh config, `ssh://user@host:port`. */
  ssh: string
}

export interface SshOptions {
  /** MAR_HOME: the ControlMaster sockets live in MAR_HOME/ssh/. */
  home: string
  /** An ssh config file to use instead of ~/.ssh/config (`ssh -F`). */
  sshConfig?: string
}

/**
 * The longest ControlPath ssh can use. A unix socket path holds at most 107
 * bytes (108 with its NUL), and ssh first binds the master's socket at
 * `PATH.` + 16 random characters, then renames it: 107 - 17.
 */
export const MAX_CONTROL_PATH = 107 - 17

/** A destination ssh would read as an option (`-oProxyCommand=…`), or one carrying whitespace or control characters, is refused. */
export function checkDestination(host: SshHost): void {
  const dest = host.ssh
  const why =
    dest === ''
      ? 'it is empty'
      : dest.startsWith('-')
        ? 'it starts with "-" (ssh would read it as an option)'
        : /[\s]/.test(dest)
          ? 'it contains whitespace'
          : /[\x00-\x1f\x7f]/.test(dest)
            ? 'it contains a control character'
            : null
  if (why) {
    throw new MarError('bad-ssh-destination', `host ${host.name}: ssh destination ${JSON.stringify(dest)} refused: ${why}`, {
      hint: 'give a user@host or an alias from your ssh config; put options in the ssh config file',
    })
  }
}

/**
 * The ControlMaster socket of a destination: MAR_HOME/ssh/ + a hash of the
 * config file and the destination (a user@host can be long; a hash is 16
 * characters whatever it is). A MAR_HOME too long for it is a clear error:
 * any other place (/tmp) would be shared with other users.
 */
export function controlPath(host: SshHost, options: SshOptions): string {
  const hash = createHash('sha256')
    .update(`${options.sshConfig ?? ''}\0${host.ssh}`)
    .digest('hex')
    .slice(0, 16)
  const path = join(options.home, 'ssh', hash)
  if (Buffer.byteLength(path) > MAX_CONTROL_PATH) {
    throw new MarError('mar-home', `MAR_HOME ${options.home} is too long for ssh's connection sockets (${Buffer.byteLength(path)} bytes, at most ${MAX_CONTROL_PATH})`, {
      hint: `unix socket paths are limited to 108 bytes; use a MAR_HOME of at most ${MAX_CONTROL_PATH - 21} bytes to reach remote hosts`,
    })
  }
  return path
}

/**
 * `ssh … -- DEST remoteLine`. remoteLine is one of mar's fixed lines (see
 * agent-install.ts and connect-host.ts), never text from a config file.
 * Creates MAR_HOME/ssh (0700) for the ControlMaster socket.
 */
export function sshCommand(host: SshHost, options: SshOptions, remoteLine: string): {file: 'ssh'; args: string[]} {
  checkDestination(host)
  const control = controlPath(host, options)
  mkdirSync(join(options.home, 'ssh'), {recursive: true, mode: 0o700})
  const args = [
    ...(options.sshConfig ? ['-F', options.sshConfig] : []),
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${control}`,
    // The master outlives its last session by a minute: a reconnect, or the next command, skips the handshake.
    '-o', 'ControlPersist=60',
    // No prompt can be answered: a missing key or an unknown host key is an error, told by explainSshFailure.
    '-o', 'BatchMode=yes',
    // A dead link is noticed within ~15 s, not at TCP's own timeout.
    '-o', 'ServerAliveInterval=5',
    '-o', 'ServerAliveCountMax=3',
    '-T',
    '--',
    host.ssh,
    remoteLine,
  ]
  return {file: 'ssh', args}
}

/** What ssh resolves a destination to (`ssh -G`): for naming the host and the files in error messages. */
export interface SshResolved {
  hostname: string
  port: number
  user: string
  knownHostsFiles: string[]
}

/** `ssh -G` — reads the config only, connects nowhere. Null when it cannot say. */
export function resolveDestination(host: SshHost, options: Pick<SshOptions, 'sshConfig'>): SshResolved | null {
  try {
    checkDestination(host)
    const out = execFileSync('ssh', [...(options.sshConfig ? ['-F', options.sshConfig] : []), '-G', '--', host.ssh], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    const get = (key: string) => out.match(new RegExp(`^${key} (.*)$`, 'm'))?.[1]?.trim()
    const hostname = get('hostname')
    if (!hostname) return null
    return {
      hostname,
      port: Number(get('port') ?? 22) || 22,
      user: get('user') ?? '',
      knownHostsFiles: (get('userknownhostsfile') ?? '~/.ssh/known_hosts').split(/\s+/).filter(Boolean),
    }
  } catch {
    return null
  }
}

/**
 * One clear line for an ssh that failed before mar's agent answered: from
 * ssh's stderr (and its exit code, 255 for ssh's own failures). `resolved`
 * (resolveDestination) names the real address and known_hosts file.
 */
export function explainSshFailure(host: SshHost, stderr: string, exitCode: number | null, resolved?: SshResolved | null): MarError {
  const lines = stderr
    .split('\n')
    .map((line) => line.replace(/\r$/, '').trim())
    .filter((line) => line !== '' && !/^@+$/.test(line))
  const text = lines.join('\n')
  // ssh names the address as "[127.0.0.2]:2222", or "127.0.0.2" for port 22.
  const named = text.match(/host key is known for (\S+) and you have requested/)?.[1] ?? text.match(/Host key for (\S+) has changed/)?.[1]
  const fromStderr = named?.match(/^\[(.+)\]:(\d+)$/)
  const address = resolved?.hostname ?? fromStderr?.[1] ?? named ?? null
  const port = resolved?.port ?? (fromStderr ? Number(fromStderr[2]) : named ? 22 : null)
  const label = address ? `host ${host.name} (${address}${port && port !== 22 ? ` port ${port}` : ''})` : `host ${host.name} (${host.ssh})`
  const knownHosts = resolved?.knownHostsFiles[0] ?? '~/.ssh/known_hosts'
  const details = {host: host.name, ssh: host.ssh, exitCode, stderr: lines.slice(-10)}
  const keyscan = `ssh-keyscan ${port && port !== 22 ? `-p ${port} ` : ''}${address ?? host.ssh} >> ${knownHosts}`

  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/.test(text)) {
    const offending = text.match(/Offending \S+ key in (.+):(\d+)/)
    const file = offending?.[1] ?? knownHosts
    const keyName = address ? (port && port !== 22 ? `[${address}]:${port}` : address) : host.ssh
    return new MarError(
      'host-key-changed',
      `${label}: its host key has CHANGED since you trusted it — this may be an attack (someone between you and the host), or the host was reinstalled`,
      {
        hint: `if you know why it changed, remove the old key with: ssh-keygen -f ${file} -R '${keyName}' — then check the new one and trust it with: ${keyscan}`,
        details,
      },
    )
  }
  if (/host key is known for|Host key verification failed/.test(text)) {
    return new MarError('host-key-unknown', `${label}: its host key is not in known_hosts`, {hint: `check it and trust it with: ${keyscan}`, details})
  }
  const denied = text.match(/Permission denied \(([^)]*)\)/)
  if (denied || /Too many authentication failures|no mutual signature|Authentication failed/i.test(text)) {
    const who = resolved?.user ? `${resolved.user}@` : ''
    return new MarError('host-auth-failed', `${label}: authentication failed${who ? ` for ${who.slice(0, -1)}` : ''}${denied ? ` (${denied[1]})` : ''}`, {
      hint: 'mar runs ssh in batch mode (no password prompt): load your key into ssh-agent, or name it with IdentityFile in the ssh config',
      details,
    })
  }
  const unreachable: Array<[RegExp, string]> = [
    [/Could not resolve hostname/i, 'its name does not resolve'],
    [/Connection refused/i, 'connection refused (is sshd running there, on that port?)'],
    [/Connection timed out|Operation timed out|timed out during banner/i, 'the connection timed out'],
    [/No route to host/i, 'no route to the host'],
    [/Network is unreachable/i, 'the network is unreachable'],
    [/Connection (closed|reset) by/i, 'the connection was closed by the host during the ssh handshake'],
  ]
  for (const [pattern, why] of unreachable) {
    if (pattern.test(text)) return new MarError('host-unreachable', `${label}: ${why}`, {hint: 'check that you can `ssh` to it yourself', details})
  }
  const last = lines.filter((line) => !/^Warning: Permanently added/.test(line)).at(-1)
  return new MarError('ssh-failed', `${label}: ssh failed${exitCode !== null ? ` (exit ${exitCode})` : ''}${last ? `: ${last}` : ''}`, {details})
}
