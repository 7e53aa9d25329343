// The client side of the daemon API: connect, say hello, send requests and
// read their replies or streams. Knows nothing of commands or rendering.
import {connect, type Socket} from 'node:net'
import {ExitCode, MarError} from '../util/errors.js'
import {marVersion} from '../util/version.js'
import {encodeFrame, FrameReader} from './framing.js'
import {PROTOCOL_VERSION, type Hello, type Reply, type Request} from './protocol.js'

type Outgoing = Request extends infer R ? (R extends {id: number} ? Omit<R, 'id'> : never) : never

/** Daemon error codes that are the caller's mistake (exit 2) rather than a failed operation (exit 1). */
const usageCodes = new Set(['unknown-target', 'unknown-stack', 'bad-request', 'no-stack', 'bad-signal'])

export function errorFromReply(error: {code: string; message: string; hint?: string}): MarError {
  return new MarError(error.code, error.message, {hint: error.hint, exitCode: usageCodes.has(error.code) ? ExitCode.usage : ExitCode.failed})
}

interface Pending {
  onReply(reply: Reply): void
  onClose(error: MarError): void
}

export class DaemonClient {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private closed = false

  private constructor(
    private readonly socket: Socket,
    readonly daemon: Hello,
  ) {}

  static connect(socketPath: string, timeoutMs = 5000): Promise<DaemonClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath)
      let client: DaemonClient | null = null
      const timer = setTimeout(() => fail(new MarError('daemon-unreachable', `the daemon at ${socketPath} did not answer within ${timeoutMs}ms`, {exitCode: ExitCode.daemon})), timeoutMs)
      const fail = (error: MarError) => {
        clearTimeout(timer)
        socket.destroy()
        reject(error)
      }
      const reader = new FrameReader(
        (frame) => {
          if (client) return client.dispatch(frame as Reply)
          const hello = frame as Hello | {type: 'error'; error: {code: string; message: string; hint?: string}}
          if (hello.type !== 'hello') return fail(hello.type === 'error' ? errorFromReply(hello.error) : new MarError('protocol', 'the daemon did not say hello', {exitCode: ExitCode.daemon}))
          if (hello.protocol !== PROTOCOL_VERSION) {
            return fail(new MarError('protocol-mismatch', `the daemon speaks protocol ${hello.protocol}, this mar speaks ${PROTOCOL_VERSION}`, {hint: 'restart it: mar daemon stop --keep && mar daemon start', exitCode: ExitCode.daemon}))
          }
          clearTimeout(timer)
          client = new DaemonClient(socket, hello)
          resolve(client)
        },
        (error) => fail(new MarError('protocol', `bad frame from the daemon: ${error.message}`, {exitCode: ExitCode.daemon})),
      )
      socket.on('data', (chunk) => reader.push(chunk))
      socket.once('connect', () => socket.write(encodeFrame({type: 'hello', protocol: PROTOCOL_VERSION, version: marVersion(), pid: process.pid})))
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (client) return client.shutdown(lostError(error))
        fail(unreachable(socketPath, error))
      })
      socket.on('close', () => client?.shutdown(lostError()))
    })
  }

  private dispatch(reply: Reply): void {
    if (!('id' in reply)) return
    this.pending.get(reply.id)?.onReply(reply)
  }

  private shutdown(error: MarError): void {
    if (this.closed) return
    this.closed = true
    for (const pending of this.pending.values()) pending.onClose(error)
    this.pending.clear()
  }

  private send(request: Outgoing, pending: Pending): number {
    if (this.closed) throw lostError()
    const id = this.nextId++
    this.pending.set(id, pending)
    this.socket.write(encodeFrame({...request, id}))
    return id
  }

  /** A request with one answer: resolves with its data, rejects with the daemon's error. */
  request<T = unknown>(request: Outgoing): Promise<T> {
    return new Promise((resolve, reject) => {
      const id = this.send(request, {
        onReply: (reply) => {
          this.pending.delete(id)
          if (reply.type === 'ok') resolve((reply as {data: T}).data)
          else if (reply.type === 'error') reject(errorFromReply(reply.error))
          else reject(new MarError('protocol', `unexpected ${reply.type} reply`, {exitCode: ExitCode.daemon}))
        },
        onClose: reject,
      })
    })
  }

  /** A request whose replies stream until `end` (or an error); `cancel` asks the daemon to stop it and settles `done`. */
  stream(request: Outgoing, onItem: (reply: Reply) => void): {done: Promise<void>; cancel(): void} {
    let id = 0
    let finish: () => void = () => {}
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve
      id = this.send(request, {
        onReply: (reply) => {
          if (reply.type === 'end') {
            this.pending.delete(id)
            resolve()
          } else if (reply.type === 'error') {
            this.pending.delete(id)
            reject(errorFromReply(reply.error))
          } else onItem(reply)
        },
        onClose: reject,
      })
    })
    return {
      done,
      cancel: () => {
        if (!this.pending.delete(id)) return
        if (!this.closed) this.socket.write(encodeFrame({id: this.nextId++, type: 'cancel', target: id}))
        finish()
      },
    }
  }

  /** Close the connection; requests still waiting fail with `client-closed`. */
  close(): void {
    this.shutdown(new MarError('client-closed', 'the connection to the daemon was closed', {exitCode: ExitCode.daemon}))
    this.socket.end()
    this.socket.destroy()
  }
}

function unreachable(socketPath: string, error: NodeJS.ErrnoException): MarError {
  const why =
    error.code === 'ENOENT' ? 'it is not running' : error.code === 'ECONNREFUSED' ? 'it is not running (stale socket)' : error.code === 'EACCES' ? 'permission denied' : error.message
  return new MarError('daemon-unreachable', `cannot reach the mar daemon at ${socketPath}: ${why}`, {
    hint: error.code === 'EACCES' ? 'the socket belongs to another user; set MAR_HOME to your own directory' : 'start it with `mar up` or `mar daemon start`',
    exitCode: ExitCode.daemon,
    details: {errno: error.code},
  })
}

function lostError(error?: Error): MarError {
  return new MarError('daemon-lost', `the connection to the daemon was lost${error ? `: ${error.message}` : ''}`, {
    hint: 'see MAR_HOME/daemon.log; `mar daemon status` tells whether it is running',
    exitCode: ExitCode.daemon,
  })
}
