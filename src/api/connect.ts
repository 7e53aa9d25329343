// Finding who runs a stack: the daemon (its socket in MAR_HOME, started
// first when the caller may: mar up, mar daemon start, dial-stdio), or a
// `mar up -f` serving that one stack on a socket of its own. A client that
// imports only src/api can reach them; nothing here loads daemon code.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {MarError} from '../util/errors.js'
import type {DaemonClient} from './client.js'
import {startDaemon} from './daemon-process.js'
import {foregroundSocket, marPaths, type MarPaths} from './home.js'
import {vetHome} from './home-vet.js'
import type {StackRef} from './protocol.js'
import {connectSocket} from './transports.js'

export interface ConnectOptions {
  /** Start the daemon when none answers. */
  start: boolean
  paths?: MarPaths
}

export async function connectDaemon(options: ConnectOptions): Promise<DaemonClient> {
  const paths = options.paths ?? marPaths()
  // Before connecting: a MAR_HOME that cannot work is said as such, not as "cannot reach the daemon".
  vetHome(paths, 'use')
  try {
    return await connectSocket(paths.socket)
  } catch (error) {
    // Only where no daemon runs is one started: one that is alive but does not answer (stopped, busy) is reported, never doubled.
    if (!options.start || !notRunning(error)) throw notAnswering(paths, error)
  }
  await startDaemon(paths)
  return connectSocket(paths.socket)
}

/**
 * The daemon, or null when none runs (no socket, or nobody listening on it).
 * One that runs but is slow to answer is waited for and, past the timeout,
 * an error (exit 3) — never mistaken for no daemon at all.
 */
export async function probeDaemon(paths: MarPaths = marPaths(), timeoutMs = 10_000): Promise<DaemonClient | null> {
  vetHome(paths, 'use')
  try {
    return await connectSocket(paths.socket, timeoutMs)
  } catch (error) {
    if (notRunning(error)) return null
    throw notAnswering(paths, error)
  }
}

/** A daemon that accepted the connection but did not say hello: alive, not answering — named with its pid. */
function notAnswering(paths: MarPaths, error: unknown): unknown {
  if (!(error instanceof MarError) || error.code !== 'daemon-unreachable' || error.details?.errno !== undefined) return error
  let pid = ''
  try {
    pid = readFileSync(paths.lock, 'utf8').trim()
  } catch {
    // no record of its pid
  }
  const who = /^\d+$/.test(pid) ? `the mar daemon (pid ${pid})` : 'the mar daemon'
  return new MarError('daemon-not-answering', `${who} at ${paths.socket} is running but does not answer (stopped, or too busy)`, {
    hint: /^\d+$/.test(pid) ? `see \`ps -o stat= -p ${pid}\` (T: stopped — \`kill -CONT ${pid}\`), or its log ${paths.daemonLog}` : `see its log ${paths.daemonLog}`,
    details: {path: paths.socket},
  })
}

/** The socket is not there, or nothing listens on it: no daemon (a stale socket). */
function notRunning(error: unknown): boolean {
  const errno = error instanceof MarError ? error.details?.errno : undefined
  return errno === 'ENOENT' || errno === 'ECONNREFUSED'
}

/** The API of every stack that `mar up -f` runs (each serves its own socket), as far as they answer. */
export async function foregroundClients(paths: MarPaths = marPaths()): Promise<DaemonClient[]> {
  vetHome(paths, 'use')
  let names: string[]
  try {
    names = readdirSync(paths.foreground).filter((name) => name.endsWith('.sock'))
  } catch {
    return []
  }
  const clients = await Promise.all(
    names.map((name) =>
      connectSocket(join(paths.foreground, name), 10_000, {peer: `the foreground stack ${name.slice(0, -5)}`}).catch((error: unknown) => {
        if (notRunning(error)) return null
        throw error
      }),
    ),
  )
  return clients.filter((client): client is DaemonClient => client !== null)
}

/**
 * Whoever runs the stack `ref` names: a `mar up -f` of it, else the
 * daemon (started first if `start`). With no ref, the daemon.
 */
export async function clientForStack(ref: StackRef | null, options: ConnectOptions): Promise<DaemonClient> {
  const paths = options.paths ?? marPaths()
  vetHome(paths, 'use')
  if (ref) {
    const named = ref.name ? await connectSocket(foregroundSocket(paths, ref.name), 2000).catch(() => null) : null
    const candidates = ref.name ? (named ? [named] : []) : await foregroundClients(paths)
    let found: DaemonClient | null = null
    for (const client of candidates) {
      if (!found && (await runsStack(client, ref))) found = client
      else client.close()
    }
    if (found) return found
  }
  return connectDaemon({...options, paths})
}

async function runsStack(client: DaemonClient, ref: StackRef): Promise<boolean> {
  const status = await client.call('status', {}).catch(() => null)
  return Boolean(status?.stacks.some((s) => (ref.name !== undefined ? s.name === ref.name : s.config === ref.config)))
}
