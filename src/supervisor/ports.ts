// Who holds a TCP port on this machine, from /proc: for an instance's
// `port`, checked before it is spawned (a port another program holds is
// the instance's failure, named with the holder, not a crash loop behind a
// green check), and for tcp/http readiness probes, which count only when the
// listening socket belongs to the instance's own process tree — a probe is
// never satisfied by somebody else's server.
import {readdirSync, readlinkSync, readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {readSmallText} from '../util/read-small.js'

/** State 0A of /proc/net/tcp: a listening socket. */
const LISTEN = '0A'

/** Socket inodes listening on `port` (any address, IPv4 and IPv6), as this network namespace sees them. */
export function listeningInodes(port: number): Set<number> {
  const inodes = new Set<number>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'latin1')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10 || fields[3] !== LISTEN) continue
      const local = fields[1]!
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(Number(fields[9]))
    }
  }
  inodes.delete(0)
  return inodes
}

/** The socket inodes a process has open (none when its fds cannot be read: gone, or another user's). */
function socketInodes(pid: number): number[] {
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return []
  }
  const inodes: number[] = []
  for (const fd of fds) {
    let target: string
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`)
    } catch {
      continue
    }
    if (target.startsWith('socket:[')) inodes.push(Number(target.slice(8, -1)))
  }
  return inodes
}

/** Whether one of `pids` holds one of `inodes`. */
export function holdsAny(pids: readonly number[], inodes: ReadonlySet<number>): boolean {
  return pids.some((pid) => socketInodes(pid).some((inode) => inodes.has(inode)))
}

export interface PortHolder {
  pid: number
  command: string
}

/** The processes listening on `port`, where /proc lets us see them (root sees all; a user sees their own). */
export function portHolders(port: number): PortHolder[] {
  const inodes = listeningInodes(port)
  if (inodes.size === 0) return []
  const holders: PortHolder[] = []
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue
    if (!socketInodes(pid).some((inode) => inodes.has(inode))) continue
    holders.push({pid, command: readSmallText(`/proc/${pid}/comm`, 'latin1')?.trim() ?? '?'})
  }
  return holders
}

/** "port 4400 is in use by pid 1234 (python3)"; the holder is left out when it cannot be seen. */
export function describePortInUse(port: number, holders: readonly PortHolder[]): string {
  const who = holders.length === 0 ? '' : ` by ${holders.map((h) => `pid ${h.pid} (${h.command})`).join(', ')}`
  return `port ${port} is in use${who}`
}

/**
 * Whether `port` can be bound now: listening on the IPv6 wildcard (which on
 * Linux also covers IPv4) fails if anybody listens on the port at any
 * address. Falls back to the IPv4 wildcard where IPv6 is off.
 */
export async function canBind(port: number): Promise<boolean> {
  const attempt = (host: string) =>
    new Promise<'free' | 'in-use' | 'unsupported'>((resolve) => {
      const server = createServer()
      server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE' ? 'in-use' : 'unsupported'))
      server.listen({port, host, ipv6Only: false, exclusive: true}, () => server.close(() => resolve('free')))
    })
  const v6 = await attempt('::')
  if (v6 !== 'unsupported') return v6 === 'free'
  // No IPv6, or no permission (a port below 1024): the program would meet the same; only a holder is our business.
  return (await attempt('0.0.0.0')) !== 'in-use'
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0', '::', '[::]'])

/** A probe target on this machine, whose listener /proc can show (127.x.x.x counts as local). */
export function isLocalTarget(host: string): boolean {
  return LOCAL_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
}
