// The client side of the API over any byte stream: say hello, send
// requests, hand each reply to whoever asked. Its methods are typed from the
// protocol's map (protocol.ts), so a caller never picks a reply's type.
// Knows nothing of commands, rendering, or which transport carries it.
import type {Duplex} from 'node:stream'
import {isErrorCode, MarError} from '../util/errors.js'
import {marVersion} from '../util/version.js'
import {encodeFrame, FrameReader} from './framing.js'
import {
  PROTOCOL_VERSION,
  type CallMethod,
  type EndOf,
  type ErrorInfo,
  type Hello,
  type ItemOf,
  type Method,
  type Notice,
  type ParamsOf,
  type PeerRole,
  type ReplyFrame,
  type ReplyOf,
  type StreamMethod,
} from './protocol.js'

export function errorFromReply(error: ErrorInfo): MarError {
  return new MarError(isErrorCode(error.code) ? error.code : 'protocol', error.message, {hint: error.hint})
}

interface Pending {
  onFrame(frame: Exclude<ReplyFrame, Hello>): void
  onClose(error: MarError): void
}

export interface StreamHandlers<M extends StreamMethod> {
  item(item: ItemOf<M>): void
  notice?(notice: Notice): void
}

export interface StreamHandle<E> {
  /** Settles with the stream's end (or rejects with its error, or a lost connection). */
  done: Promise<E>
  /** Ask the daemon to stop the stream; `done` then resolves with what it ends with. */
  cancel(): void
}

export interface OverOptions {
  /** Give up on the hello after this long. */
  timeoutMs?: number
  /** Names the peer in errors: "the mar daemon at /x/daemon.sock". */
  peer?: string
  role?: PeerRole
}

export class DaemonClient {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private closed = false
  private readonly closeListeners = new Set<(error: MarError) => void>()

  private constructor(
    private readonly channel: Duplex,
    /** The other side's hello: its version, pid and role. */
    readonly peer: Hello,
    private readonly peerName: string,
  ) {}

  /** Speak the protocol over `stream` (a connected socket, a child's stdio, one end of an in-process pair). */
  static over(stream: Duplex, options: OverOptions = {}): Promise<DaemonClient> {
    const timeoutMs = options.timeoutMs ?? 5000
    const peerName = options.peer ?? 'the mar daemon'
    return new Promise((resolve, reject) => {
      let client: DaemonClient | null = null
      const timer = setTimeout(() => fail(new MarError('daemon-unreachable', `${peerName} did not answer within ${timeoutMs}ms`)), timeoutMs)
      const fail = (error: MarError) => {
        clearTimeout(timer)
        stream.destroy()
        reject(error)
      }
      const reader = new FrameReader(
        (frame) => {
          if (client) return client.dispatch(frame as ReplyFrame)
          const hello = frame as Hello | {type: 'error'; error: ErrorInfo}
          if (hello.type === 'error') return fail(errorFromReply(hello.error))
          if (hello.type !== 'hello') return fail(new MarError('protocol', `${peerName} did not say hello`))
          if (hello.protocol !== PROTOCOL_VERSION) {
            return fail(
              new MarError('protocol-mismatch', `${peerName} speaks protocol ${hello.protocol} (mar ${hello.version}), this mar ${marVersion()} speaks ${PROTOCOL_VERSION}`, {
                hint: 'run the same version on both sides; to upgrade a daemon: mar daemon stop --keep && mar daemon start',
              }),
            )
          }
          clearTimeout(timer)
          client = new DaemonClient(stream, hello, peerName)
          resolve(client)
        },
        (error) => {
          const wrapped = new MarError('protocol', `bad frame from ${peerName}: ${error.message}`)
          if (client) client.shutdown(wrapped)
          else fail(wrapped)
        },
      )
      stream.on('data', (chunk: Buffer) => reader.push(chunk))
      stream.on('error', (error: Error) => {
        if (client) client.shutdown(lostError(peerName, error))
        else fail(lostError(peerName, error))
      })
      stream.on('close', () => {
        if (client) client.shutdown(lostError(peerName))
        else fail(lostError(peerName))
      })
      stream.write(encodeFrame({type: 'hello', protocol: PROTOCOL_VERSION, version: marVersion(), pid: process.pid, role: options.role ?? 'client'} satisfies Hello))
    })
  }

  private dispatch(frame: ReplyFrame): void {
    if (frame.type === 'hello' || typeof frame.id !== 'number') return
    this.pending.get(frame.id)?.onFrame(frame)
  }

  private shutdown(error: MarError): void {
    if (this.closed) return
    this.closed = true
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const p of pending) p.onClose(error)
    for (const listener of this.closeListeners) listener(error)
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Told once when the connection ends (lost, or closed by us). */
  onClose(listener: (error: MarError) => void): () => void {
    this.closeListeners.add(listener)
    return () => this.closeListeners.delete(listener)
  }

  private send<M extends Method>(method: M, params: ParamsOf<M>, pending: Pending): number {
    if (this.closed) throw lostError(this.peerName)
    const id = this.nextId++
    this.pending.set(id, pending)
    this.channel.write(encodeFrame({id, method, params}))
    return id
  }

  /** A request with one reply. */
  call<M extends CallMethod>(method: M, params: ParamsOf<M>): Promise<ReplyOf<M>> {
    return new Promise((resolve, reject) => {
      const id = this.send(method, params, {
        onFrame: (frame) => {
          this.pending.delete(id)
          if (frame.type === 'result') resolve(frame.data as ReplyOf<M>)
          else if (frame.type === 'error') reject(errorFromReply(frame.error))
          else reject(new MarError('protocol', `${method}: unexpected ${frame.type} frame from ${this.peerName}`))
        },
        onClose: reject,
      })
    })
  }

  /** A request whose replies stream until an end (or an error). */
  stream<M extends StreamMethod>(method: M, params: ParamsOf<M>, handlers: StreamHandlers<M>): StreamHandle<EndOf<M>> {
    let id = 0
    const done = new Promise<EndOf<M>>((resolve, reject) => {
      id = this.send(method, params, {
        onFrame: (frame) => {
          switch (frame.type) {
            case 'item':
              return handlers.item(frame.item as ItemOf<M>)
            case 'notice':
              return handlers.notice?.(frame.notice)
            case 'end':
              this.pending.delete(id)
              return resolve(frame.data as EndOf<M>)
            case 'error':
              this.pending.delete(id)
              return reject(errorFromReply(frame.error))
            default:
              this.pending.delete(id)
              return reject(new MarError('protocol', `${method}: unexpected ${frame.type} frame from ${this.peerName}`))
          }
        },
        onClose: reject,
      })
    })
    done.catch(() => {})
    return {
      done,
      cancel: () => {
        if (this.closed || !this.pending.has(id)) return
        this.call('cancel', {target: id}).catch(() => {})
      },
    }
  }

  /** Close the connection; requests still waiting fail with `client-closed`. */
  close(): void {
    this.shutdown(new MarError('client-closed', `the connection to ${this.peerName} was closed`))
    this.channel.end()
    this.channel.destroy()
  }
}

export function lostError(peerName: string, error?: Error): MarError {
  return new MarError('daemon-lost', `the connection to ${peerName} was lost${error ? `: ${error.message}` : ''}`, {
    hint: 'see MAR_HOME/daemon.log; `mar daemon status` tells whether it is running',
  })
}
