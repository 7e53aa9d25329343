// Serving the API: every connection — from the control socket, a
// foreground stack's socket, or an in-process pair — becomes a Session
// with the same code. The server knows its sessions so that a stopping
// daemon can end them all (followers get their last lines and a notice).
import type {Server} from 'node:net'
import type {Duplex} from 'node:stream'
import type {PeerRole} from '../api/protocol.js'
import type {Daemon} from './daemon.js'
import {closeServer, listenControl} from './server.js'
import {Session} from './session.js'

export interface ApiServerOptions {
  role: Extract<PeerRole, 'daemon' | 'foreground'>
  log(message: string): void
  /** A client asked to stop (keep: leave the services running). */
  onStopRequested(keep: boolean): void
}

export class ApiServer {
  private readonly sessions = new Set<Session>()
  private readonly servers = new Set<Server>()

  constructor(
    private readonly daemon: Daemon,
    private readonly options: ApiServerOptions,
  ) {}

  /** Serve one connection, whatever carries it. */
  serve(channel: Duplex): Session {
    const session = new Session(channel, {daemon: this.daemon, role: this.options.role, log: this.options.log, onStopRequested: this.options.onStopRequested})
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
