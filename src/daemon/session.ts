// One client connection, over any byte stream: a Unix socket, a command's
// stdin/stdout, an in-process pair (src/api/transports.ts). Framing, the
// hello handshake, validation of each request, and dispatch to the
// handlers. Nothing a client sends can crash the daemon: bad frames close
// that connection with an error, bad requests get an error reply, and a
// reader that cannot keep up is never buffered for without bound.
import type {Duplex} from 'node:stream'
import {encodeFrame, FrameReader, type FrameBudget} from '../api/framing.js'
import {PROTOCOL_VERSION, type ErrorInfo, type PeerRole, type ReplyFrame} from '../api/protocol.js'
import {isMarError, MarError, type ErrorCode} from '../util/errors.js'
import {marVersion} from '../util/version.js'
import {callHandlers, openStream, type Stream} from './handlers.js'
import type {Daemon} from './daemon.js'
import {checkRequest} from './check-request.js'

/** Queued bytes past which send() asks its producer to wait. */
const FLUSH_BYTES = 256 * 1024
/** A connection that has not said hello by then is closed: it would hold a slot for nothing. */
export const HELLO_TIMEOUT_MS = 10_000
/**
 * After the client's end of input, how often a blank line (a keepalive every
 * reader skips) asks whether it is still there. End of input is all a socket
 * tells of a client that was killed, and all it tells of one that only
 * half-closed (`… | mar daemon dial-stdio`) and still wants its answers; the
 * difference shows only when a write fails. A stream that sends nothing — a
 * `--grep` nothing matches, a quiet `logs -f` — would otherwise work on for
 * a client that is gone.
 */
export const PEER_PROBE_MS = 1_000

export interface SessionHost {
  daemon: Daemon
  role: Extract<PeerRole, 'daemon' | 'foreground'>
  /** A client asked the daemon to stop (keep: leave the services running). */
  onStopRequested(keep: boolean): void
  log(message: string): void
  /** Shared by the server's connections: the bytes of unfinished frames they may hold together. */
  frameBudget?: FrameBudget
  helloTimeoutMs?: number
  /** PEER_PROBE_MS unless a test says otherwise. */
  peerProbeMs?: number
}

export class Session {
  private greeted = false
  private queued: string[] = []
  /** After fail(): the connection is ending; nothing more is read or answered. */
  private failed = false
  private queuedBytes = 0
  private flushing = false
  private readonly streams = new Map<number, Stream>()
  private closed = false
  private readonly closeListeners = new Set<() => void>()
  /** Calls still being answered. */
  private inflight = 0
  /** The client has sent all it will: once everything is answered, the connection ends. */
  private peerEnded = false

  constructor(
    private readonly channel: Duplex,
    readonly host: SessionHost,
  ) {
    const reader = new FrameReader(
      (frame) => this.onFrame(frame),
      (error) => this.fail(error.code, error.message),
      undefined,
      host.frameBudget,
    )
    const helloTimeoutMs = host.helloTimeoutMs ?? HELLO_TIMEOUT_MS
    const helloTimer = setTimeout(() => {
      if (!this.greeted) this.fail('protocol', `no hello within ${helloTimeoutMs}ms`)
    }, helloTimeoutMs)
    helloTimer.unref()
    this.onClose(() => {
      clearTimeout(helloTimer)
      reader.release()
    })
    channel.on('data', (chunk: Buffer) => reader.push(chunk))
    channel.on('error', () => this.close())
    channel.on('close', () => this.close())
    channel.on('end', () => {
      this.peerEnded = true
      this.endIfDone()
      this.probePeer(host.peerProbeMs ?? PEER_PROBE_MS)
    })
  }

  /** While streams run for a client whose input ended, find out (by a failed write) whether it is gone. */
  private probePeer(everyMs: number): void {
    const timer = setInterval(() => {
      if (this.closed || this.streams.size === 0) return
      // Not before what is queued: a blank line is skipped between frames, never inside one.
      if (this.queued.length === 0 && !this.channel.writableNeedDrain) this.channel.write('\n')
    }, everyMs)
    timer.unref()
    this.onClose(() => clearInterval(timer))
  }

  /** It said hello: a client, not (yet) a connection that only holds a slot. */
  get isGreeted(): boolean {
    return this.greeted
  }

  /** Close a connection that never said hello, to make room for one that will. */
  evict(): void {
    if (this.greeted || this.closed) return
    this.send({id: 0, type: 'error', error: {code: 'busy', message: 'closed to make room: a connection must say hello at once'}})
    this.flush()
    // At once, not once the peer reads: its slot is what is wanted.
    this.close()
  }

  get daemon(): Daemon {
    return this.host.daemon
  }

  /** Bytes handed to this connection that its reader has not taken yet. */
  get backlog(): number {
    return this.channel.writableLength + this.queuedBytes
  }

  /**
   * Queue one frame; frames queued in one turn of the event loop go out in
   * one write (an `up` of 200 instances makes ~600 events: one syscall each
   * cost the daemon 60 ms). False means the reader is behind: wait for
   * whenDrained before producing more.
   */
  send(frame: ReplyFrame): boolean {
    if (this.closed) return false
    const text = encodeFrame(frame)
    this.queued.push(text)
    this.queuedBytes += text.length
    if (!this.flushing) {
      this.flushing = true
      setImmediate(() => this.flush())
    }
    return this.queuedBytes < FLUSH_BYTES && !this.channel.writableNeedDrain
  }

  private flush(): void {
    this.flushing = false
    if (this.queued.length === 0 || this.closed) return
    const text = this.queued.length === 1 ? this.queued[0]! : this.queued.join('')
    this.queued = []
    this.queuedBytes = 0
    this.channel.write(text)
  }

  whenDrained(): Promise<void> {
    this.flush()
    if (this.closed || !this.channel.writableNeedDrain) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.channel.off('drain', done)
        this.channel.off('close', done)
        resolve()
      }
      this.channel.once('drain', done)
      this.channel.once('close', done)
    })
  }

  get isClosed(): boolean {
    return this.closed
  }

  onClose(listener: () => void): void {
    this.closeListeners.add(listener)
  }

  sendError(id: number, error: unknown): void {
    this.send({id, type: 'error', error: errorInfo(error, this.host.log)})
  }

  /** Answer a broken connection with one error frame, then end it once that frame is written. */
  private fail(code: ErrorCode, message: string): void {
    this.send({id: 0, type: 'error', error: {code, message}})
    this.flush()
    this.failed = true
    this.channel.end()
  }

  /**
   * The daemon is stopping: end every stream with a notice, then the
   * connection. A client that does not read gets `graceMs`, then is cut off,
   * so no follower can hold a stopping daemon up.
   */
  async end(message: string, programsEnded: boolean, graceMs = 2000): Promise<void> {
    if (this.closed) return
    let timer: NodeJS.Timeout | undefined
    const cutOff = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))
    const ended = (async () => {
      await Promise.all([...this.streams.values()].map((stream) => stream.close(message, programsEnded).catch(() => {})))
      await this.whenDrained()
      return true
    })()
    const inTime = await Promise.race([ended, cutOff])
    clearTimeout(timer)
    if (!inTime) return this.close()
    this.channel.end()
    // A client that never closes its side still must not hold the daemon up.
    setTimeout(() => this.close(), graceMs).unref()
  }

  /** A client that has finished sending gets its last answers, then the end of the connection. */
  private endIfDone(): void {
    if (!this.peerEnded || this.closed || this.inflight > 0 || this.streams.size > 0) return
    this.flush()
    this.channel.end()
  }

  private close(): void {
    if (this.closed) return
    this.closed = true
    for (const stream of this.streams.values()) stream.cancel()
    this.streams.clear()
    this.channel.destroy()
    for (const listener of this.closeListeners) listener()
  }

  private onFrame(frame: unknown): void {
    if (this.failed) return
    if (!frame || typeof frame !== 'object') return this.fail('bad-request', 'a frame must be a JSON object')
    const message = frame as {type?: unknown; protocol?: unknown; id?: unknown; method?: unknown; params?: unknown}
    if (!this.greeted) {
      if (message.type !== 'hello') return this.fail('protocol', 'the first frame must be a hello')
      if (message.protocol !== PROTOCOL_VERSION) {
        return this.fail('protocol-mismatch', `this mar (${marVersion()}) speaks protocol ${PROTOCOL_VERSION}, the client ${String(message.protocol)}`)
      }
      this.greeted = true
      this.send({type: 'hello', protocol: PROTOCOL_VERSION, version: marVersion(), pid: process.pid, role: this.host.role})
      return
    }
    const id = typeof message.id === 'number' && Number.isSafeInteger(message.id) ? message.id : 0
    let request: ReturnType<typeof checkRequest>
    try {
      request = checkRequest(frame)
    } catch (error) {
      return this.sendError(id, error)
    }
    if (request.method === 'cancel') {
      this.streams.get(request.params.target)?.cancel()
      this.send({id, type: 'result', data: null})
      return
    }
    if (request.method === 'logs' || request.method === 'watch') {
      if (this.streams.has(id)) return this.sendError(id, new MarError('bad-request', `request id ${id} is already in use`))
      try {
        const stream = openStream(this, request, () => {
          this.streams.delete(id)
          this.endIfDone()
        })
        this.streams.set(id, stream)
      } catch (error) {
        this.sendError(id, error)
      }
      return
    }
    const handle = callHandlers[request.method] as (params: unknown, session: Session) => Promise<unknown>
    this.inflight++
    handle(request.params, this)
      .then(
        (data) => this.send({id, type: 'result', data}),
        (error: unknown) => this.sendError(id, error),
      )
      .finally(() => {
        this.inflight--
        this.endIfDone()
      })
  }
}

/** What a client is told of a failure; anything that is not a MarError is an internal error, logged with its stack. */
export function errorInfo(error: unknown, log: (message: string) => void): ErrorInfo {
  if (isMarError(error)) return {code: error.code, message: error.message, ...(error.hint ? {hint: error.hint} : {})}
  log(`request failed: ${error instanceof Error ? error.stack : String(error)}`)
  return {code: 'internal', message: error instanceof Error ? error.message : String(error)}
}
