// A private MAR_HOME per test, a `mar` bound to it, and cleanup that leaves
// nothing running: the daemon is stopped (then killed by pid if it must),
// and every instance process it reported is killed by pid.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {mar, project, type CliOptions, type RunResult} from './cli.js'
import {isAlive, killQuietly, waitFor} from './wait.js'
import {statusJson, type StatusJson} from '../../src/api/json.js'
import {marPaths} from '../../src/api/home.js'
import {connectSocket} from '../../src/api/transports.js'
import {foregroundClients} from '../../src/api/connect.js'

export interface Home {
  home: string
  env: Record<string, string>
  mar(args: string[], options?: CliOptions): Promise<RunResult>
  status(): Promise<StatusJson>
  daemonPid(): number | null
  /** Remember pids to kill at cleanup (instances started outside status). */
  track(...pids: number[]): void
  cleanup(): Promise<void>
}

export function withHome(): Home {
  // Short: unix socket paths are limited to 108 bytes.
  return withHomeAt(mkdtempSync(join(tmpdir(), 'marh-')))
}

/** A MAR_HOME at a directory the test made (on a file system of its own, say); removed at cleanup. */
export function withHomeAt(home: string): Home {
  const env = {MAR_HOME: home}
  const tracked = new Set<number>()
  const self: Home = {
    home,
    env,
    mar: (args, options = {}) => mar(args, {...options, env: {...env, ...options.env}}),
    async status() {
      // Straight from the daemon's socket: a probe polled this often costs no node start-up
      // (the CLI's own `mar status` has tests of its own).
      const status = await daemonStatus(home)
      for (const stack of status.stacks) for (const i of stack.instances) if (i.pid) tracked.add(i.pid)
      return status
    },
    daemonPid() {
      try {
        return Number(readFileSync(join(home, 'daemon.pid'), 'utf8').trim()) || null
      } catch {
        return null
      }
    },
    track: (...pids) => pids.forEach((p) => tracked.add(p)),
    async cleanup() {
      await self.status().catch(() => undefined)
      const pid = self.daemonPid()
      // Asked over its socket (as `mar daemon stop` does), then waited for by pid; killed if it will not go.
      const client = await connectSocket(marPaths(home).socket, 5000).catch(() => null)
      if (client) {
        await client.call('daemon-stop', {keep: false}).catch(() => undefined)
        client.close()
        if (pid) await waitFor('the daemon to stop', () => !isAlive(pid), 60_000, 20).catch(() => undefined)
      }
      if (pid && isAlive(pid)) killQuietly(pid)
      for (const p of tracked) if (isAlive(p)) killQuietly(-p)
      for (const p of tracked) if (isAlive(p)) killQuietly(p)
      rmSync(home, {recursive: true, force: true})
    },
  }
  return self
}

export function instance(status: StatusJson, stack: string, name: string) {
  const found = status.stacks.find((s) => s.name === stack)?.instances.find((i) => i.name === name)
  if (!found) throw new Error(`no ${stack}/${name} in status`)
  return found
}

export async function waitForState(home: Home, stack: string, name: string, states: string[], timeoutMs = 15_000) {
  return waitFor(`${stack}/${name} to be ${states.join(' or ')}`, async () => {
    const status = await home.status()
    const found = status.stacks.find((s) => s.name === stack)?.instances.find((i) => i.name === name)
    return found && states.includes(found.state) ? found : null
  }, timeoutMs, 100)
}

export {project}

/** `mar status --json` as the daemon of this MAR_HOME (and any `mar up -f` in it) answers it; no stacks when none runs. */
async function daemonStatus(home: string): Promise<StatusJson> {
  const paths = marPaths(home)
  const clients = [...(await foregroundClients(paths))]
  const daemon = await connectSocket(paths.socket, 10_000).catch(() => null)
  if (daemon) clients.unshift(daemon)
  try {
    const replies = await Promise.all(clients.map((client) => client.call('status', {})))
    return {stacks: replies.flatMap((reply) => statusJson(reply).stacks)}
  } finally {
    for (const client of clients) client.close()
  }
}
