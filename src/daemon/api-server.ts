// Serving the API: every connection — from the control socket, a
// foreground stack's socket, or an in-process pair — becomes a Session
// with the same code. The server knows its sessions so that a stopping
// daemon can end them all (followers get their last lines and a notice).
import type {Server} from 'node:net'
import type {Duplex} from 'node:stream'
import {encodeFrame, FrameBudget} from '../api/framing.js'
import type {PeerRole} from '../api/protocol.js'
import type {Daemon} from './daemon.js'
import {closeServer, listenControl} from './server.js'
import {Session} from './session.js'

/** Connections served at once; one more is told the daemon is busy and closed. */
export const MAX_CONNECTIONS = 256
/** Bytes of unfinished frames all connections together may hold (one frame may be up to MAX_FRAME_BYTES). */
export const FRAME_BUDGET_BYTES = 32 * 1024 * 1024

export interface ApiServerOptions {
  role: Extract<PeerRole, 'daemon' | 'foreground'>
  maxConnections?: number
  frameBudgetBytes?: number
  helloTimeoutMs?: number
  /** How often a client whose input ended is asked (a blank line) whether it is still there; see session.ts. */
  peerProbeMs?: number
  log(message: string): void
  /** A client asked to stop (keep: leave the services running). */
  onStopRequested(keep: boolean): void
}

export class ApiServer {
  private readonly sessions = new Set<Session>()
  private readonly servers = new Set<Server>()
  private readonly frameBudget: FrameBudget

  constructor(
    private readonly daemon: Daemon,
    private readonly options: ApiServerOptions,
  ) {
    this.frameBudget = new FrameBudget(options.frameBudgetBytes ?? FRAME_BUDGET_BYTES)
  }

  /** Connections open now. */
  get connections(): number {
    return this.sessions.size
  }

  /** Bytes of unfinished frames held now, across connections. */
  get unfinishedFrameBytes(): number {
    return this.frameBudget.inUse
  }

  /**
   * Serve one connection, whatever carries it. Past the connection limit the
   * oldest connection that never said hello makes room (a client says hello
   * at once, so silent connections can never lock clients out); only when
   * every connection is a client is the new one told the daemon is busy.
   */
  serve(channel: Duplex): Session | null {
    const limit = this.options.maxConnections ?? MAX_CONNECTIONS
    if (this.sessions.size >= limit) [...this.sessions].find((s) => !s.isGreeted && !s.isClosed)?.evict()
    if (this.sessions.size >= limit) {
      channel.on('error', () => {})
      channel.end(encodeFrame({id: 0, type: 'error', error: {code: 'busy', message: `the daemon serves ${limit} connections already; close some and try again`}}))
      setTimeout(() => channel.destroy(), 1000).unref()
      return null
    }
    const {role, log, onStopRequested, helloTimeoutMs, peerProbeMs} = this.options
    const session = new Session(channel, {daemon: this.daemon, role, log, onStopRequested, frameBudget: this.frameBudget, helloTimeoutMs, peerProbeMs})
    this.sessions.add(session)
    session.onClose(() => this.sessions.delete(session))
    return session
  }

  /** Listen on a Unix socket (mode 0600) and serve every connection to it. */
  async listen(path: string): Promise<void> {
    this.servers.add(await listenControl(path, (socket) => this.serve(socket)))
  }

  /** Take no new connections. */
  async stopListening(): Promise<void> {
    const servers = [...this.servers]
    this.servers.clear()
    await Promise.all(servers.map((server) => closeServer(server).catch(() => {})))
  }

  /** End every session: their streams send what is due and `message`, then the connections close. */
  async endSessions(message: string, programsEnded: boolean): Promise<void> {
    await Promise.all([...this.sessions].map((session) => session.end(message, programsEnded)))
  }
}
