// Real OpenSSH servers on loopback addresses (127.0.0.2, 127.0.0.3 …), one
// per fake "host", for the remote-host tests. Each host has its own sshd
// (a free port, a throwaway host key), and sshd_config's SetEnv gives its
// sessions their own HOME and MAR_HOME under the lab's temp dir, so the
// agent and its daemon never write to /root (and root's ~/.bashrc is not
// read). The client side is one ssh config file (`ssh -F`, what
// MAR_SSH_CONFIG passes) with an alias per host, an IdentityFile and a
// known_hosts filled by ssh-keyscan: host key checking stays on, as users
// have it. OpenSSH finds ~/.ssh through the passwd entry, not $HOME, so
// everything is named in that file explicitly.
//
// Variants: `node: 'none'` — PATH is an empty directory; `node: 'fake-18'`
// — a FAKE `node` (a shell script, not Node.js) that only says v18.19.0.
// Every host also gets aliases for the failure tests:
//   NAME-unknown  known_hosts without its key (ssh must refuse it)
//   NAME-changed  known_hosts with another key for its address
//   NAME-nokey    an identity that is not authorized there
//
// cleanup(): the remote daemons (asked to stop over their socket, then
// killed by pid), the ControlMasters (`ssh -O exit`, then by pid), sshd and
// its session processes by pid, tmpfs mounts, the temp dir.
import {execFileSync, spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {connect, createServer} from 'node:net'
import {join} from 'node:path'
import {connectSocket} from '../../src/api/transports.js'
import {childrenOf, cmdlineOf, isAlive, killQuietly, waitFor} from './wait.js'

export type NodeVariant = 'real' | 'none' | 'fake-18'

export interface HostSpec {
  /** The ssh alias (default h1, h2 …). */
  name?: string
  node?: NodeVariant
}

export interface LabHost {
  /** Its ssh alias in the lab's config. */
  name: string
  address: string
  port: number
  node: NodeVariant
  /** What SetEnv gives its sessions: HOME and MAR_HOME (HOME/.mar). */
  home: string
  marHome: string
  /** The sshd's pid (-D: our child). */
  sshdPid: number
  /** The host's daemon pid from its MAR_HOME, or null. */
  daemonPid(): number | null
}

export interface SshLab {
  dir: string
  /** `ssh -F` this (MAR_SSH_CONFIG). */
  config: string
  knownHosts: string
  /** A short local MAR_HOME for the hub side (ControlMaster sockets go in its ssh/). */
  hubHome: string
  hosts: LabHost[]
  host(name: string): LabHost
  /** Run ssh with the lab's config (no ControlMaster): for checks from a test. */
  ssh(args: string[]): {code: number; stdout: string; stderr: string}
  /** Mount a tmpfs of `size` (e.g. "64k") at a host's MAR_HOME (unmounted at cleanup). */
  mountTmpfs(host: LabHost, size: string): void
  /** The ControlMaster processes running for sockets under hubHome/ssh: socket path → pid. */
  masters(): Map<string, number>
  cleanup(): Promise<void>
}

const SSHD = '/usr/sbin/sshd'

/** Whether this machine can run the lab (sshd and ssh-keygen present, root for the loopback addresses and tmpfs). */
export function sshdAvailable(): boolean {
  return existsSync(SSHD) && hasCommand('ssh') && hasCommand('ssh-keygen') && hasCommand('ssh-keyscan')
}

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

export async function startSshLab(specs: HostSpec[]): Promise<SshLab> {
  // Short: MAR_HOME, the daemon's socket and the ControlPath live under it (108-byte socket paths).
  const dir = mkdtempSync('/tmp/mssh-')
  const children: ChildProcess[] = []
  const mounts: string[] = []
  const hosts: LabHost[] = []
  const hubHome = join(dir, 'hub')
  mkdirSync(hubHome, {mode: 0o700})
  const lab: SshLab = {
    dir,
    config: join(dir, 'ssh_config'),
    knownHosts: join(dir, 'known_hosts'),
    hubHome,
    hosts,
    host(name) {
      const found = hosts.find((h) => h.name === name)
      if (!found) throw new Error(`no lab host ${name}`)
      return found
    },
    ssh(args) {
      const run = spawnSync('ssh', ['-F', lab.config, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000})
      return {code: run.status ?? -1, stdout: run.stdout ?? '', stderr: run.stderr ?? ''}
    },
    mountTmpfs(host, size) {
      mkdirSync(host.marHome, {recursive: true, mode: 0o700})
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', host.marHome])
      mounts.push(host.marHome)
    },
    masters() {
      const found = new Map<string, number>()
      const sockets = join(hubHome, 'ssh')
      if (!existsSync(sockets)) return found
      for (const name of readdirSync(sockets)) {
        const path = join(sockets, name)
        const check = lab.ssh(['-S', path, '-O', 'check', 'lab'])
        const pid = Number(check.stderr.match(/pid=(\d+)/)?.[1])
        if (pid) found.set(path, pid)
      }
      return found
    },
    async cleanup() {
      // Remote daemons first, while their hosts are still up (they are plain local processes anyway).
      for (const host of hosts) await stopDaemon(host)
      for (const [path, pid] of lab.masters()) {
        lab.ssh(['-S', path, '-O', 'exit', 'lab'])
        await waitFor(`ssh ControlMaster ${pid} to exit`, () => !isAlive(pid), 5000).catch(() => killQuietly(pid))
      }
      for (const child of children) {
        const pid = child.pid
        if (!pid) continue
        // sshd -D forks a process per connection; those go with it, by pid.
        for (const session of childrenOf(pid)) killQuietly(session)
        killQuietly(pid, 'SIGTERM')
        await waitFor(`sshd ${pid} to exit`, () => !isAlive(pid), 5000).catch(() => killQuietly(pid))
      }
      for (const mount of mounts.reverse()) {
        try {
          execFileSync('umount', [mount])
        } catch {
          execFileSync('umount', ['-l', mount])
        }
      }
      rmSync(dir, {recursive: true, force: true})
    },
  }

  try {
    const userKey = join(dir, 'user_key')
    keygen(userKey)
    copyFileSync(`${userKey}.pub`, join(dir, 'authorized_keys'))
    const strangerKey = join(dir, 'stranger_key')
    keygen(strangerKey)
    const emptyKnownHosts = join(dir, 'known_hosts_empty')
    writeFileSync(emptyKnownHosts, '')
    const changedKnownHosts = join(dir, 'known_hosts_changed')
    const impostorKey = join(dir, 'impostor_host_key')
    keygen(impostorKey)
    const impostorPub = readFileSync(`${impostorKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')
    mkdirSync('/run/sshd', {recursive: true, mode: 0o755})

    const config: string[] = []
    const known: string[] = []
    const changed: string[] = []
    for (const [index, spec] of specs.entries()) {
      const name = spec.name ?? `h${index + 1}`
      const node = spec.node ?? 'real'
      const address = `127.0.0.${index + 2}`
      const hostDir = join(dir, name)
      const home = join(hostDir, 'home')
      const marHome = join(home, '.mar')
      mkdirSync(home, {recursive: true, mode: 0o700})
      const hostKey = join(hostDir, 'host_key')
      keygen(hostKey)
      const path = hostPath(hostDir, node)
      const port = await freePortOn(address)
      const sshdConfig = join(hostDir, 'sshd_config')
      writeFileSync(
        sshdConfig,
        [
          `ListenAddress ${address}`,
          `Port ${port}`,
          `HostKey ${hostKey}`,
          `PidFile ${join(hostDir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'UsePAM no',
          'StrictModes no',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'PermitRootLogin prohibit-password',
          'AllowTcpForwarding no',
          'X11Forwarding no',
          'PrintMotd no',
          'LogLevel ERROR',
          // The isolation: the session's HOME, MAR_HOME and PATH (sshd sets SetEnv after its defaults).
          `SetEnv HOME=${home} MAR_HOME=${marHome} PATH=${path}`,
          '',
        ].join('\n'),
      )
      const child = spawn(SSHD, ['-D', '-e', '-f', sshdConfig], {stdio: ['ignore', 'ignore', 'pipe'], detached: false})
      children.push(child)
      let log = ''
      child.stderr!.on('data', (chunk) => (log += chunk))
      child.unref()
      ;(child.stderr as unknown as {unref?: () => void}).unref?.()
      await waitFor(`sshd on ${address}:${port}${log ? ` (${log.trim()})` : ''}`, () => child.exitCode === null && accepts(address, port), 10_000, 20).catch((error: Error) => {
        throw new Error(`${error.message}; sshd said: ${log.trim()}`)
      })
      const keyscan = execFileSync('ssh-keyscan', ['-p', String(port), '-t', 'ed25519', address], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000})
      if (!keyscan.trim()) throw new Error(`ssh-keyscan found no key at ${address}:${port}`)
      known.push(keyscan.trim())
      changed.push(`[${address}]:${port} ${impostorPub}`)
      const alias = (suffix: string, lines: string[]) =>
        config.push(
          `Host ${name}${suffix}`,
          `  HostName ${address}`,
          `  Port ${port}`,
          '  User root',
          '  IdentitiesOnly yes',
          '  GlobalKnownHostsFile /dev/null',
          '  StrictHostKeyChecking yes',
          '  LogLevel ERROR',
          ...lines.map((line) => `  ${line}`),
          '',
        )
      alias('', [`IdentityFile ${userKey}`, `UserKnownHostsFile ${lab.knownHosts}`])
      alias('-unknown', [`IdentityFile ${userKey}`, `UserKnownHostsFile ${emptyKnownHosts}`])
      alias('-changed', [`IdentityFile ${userKey}`, `UserKnownHostsFile ${changedKnownHosts}`])
      alias('-nokey', [`IdentityFile ${strangerKey}`, `UserKnownHostsFile ${lab.knownHosts}`])
      hosts.push({
        name,
        address,
        port,
        node,
        home,
        marHome,
        sshdPid: child.pid!,
        daemonPid() {
          try {
            return Number(readFileSync(join(marHome, 'daemon.pid'), 'utf8').trim()) || null
          } catch {
            return null
          }
        },
      })
    }
    writeFileSync(lab.config, config.join('\n'))
    writeFileSync(lab.knownHosts, `${known.join('\n')}\n`)
    writeFileSync(changedKnownHosts, `${changed.join('\n')}\n`)
    return lab
  } catch (error) {
    await lab.cleanup()
    throw error
  }
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mar-test', '-f', file], {stdio: 'ignore'})
  chmodSync(file, 0o600)
}

/** The PATH a host's sessions get. */
function hostPath(hostDir: string, node: NodeVariant): string {
  if (node === 'none') {
    // An empty directory and nothing else (/bin is /usr/bin here, which has node).
    const empty = join(hostDir, 'empty-bin')
    mkdirSync(empty, {recursive: true})
    return empty
  }
  const system = '/usr/local/bin:/usr/bin:/bin'
  const nodeDir = process.execPath.slice(0, process.execPath.lastIndexOf('/'))
  if (node === 'real') return `${nodeDir}:${system}`
  // A FAKE node, first on PATH: not Node.js, a script that only claims to be v18.19.0 (to test mar's version check).
  const fake = join(hostDir, 'fake-node-v18')
  mkdirSync(fake, {recursive: true})
  writeFileSync(join(fake, 'node'), '#!/bin/sh\n# A FAKE node for mar\'s tests: not Node.js, it only says it is v18.19.0.\necho v18.19.0\n', {mode: 0o755})
  return `${fake}:${system}`
}

/** A port that was free a moment ago on this address. */
function freePortOn(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, address, () => {
      const bound = server.address()
      server.close(() => resolve(typeof bound === 'object' && bound ? bound.port : 0))
    })
  })
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, address)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}


/** A host's mar daemon: asked to stop over its socket (as `daemon stop`), then killed by pid if it stays. */
async function stopDaemon(host: LabHost): Promise<void> {
  const pid = host.daemonPid()
  if (!pid || !isAlive(pid)) return
  const client = await connectSocket(join(host.marHome, 'daemon.sock'), 3000).catch(() => null)
  if (client) {
    await client.call('daemon-stop', {keep: false}).catch(() => undefined)
    client.close()
  }
  await waitFor(`the daemon of ${host.name} (pid ${pid}) to stop`, () => !isAlive(pid), 10_000).catch(() => killQuietly(pid))
}

export {childrenOf, cmdlineOf}
