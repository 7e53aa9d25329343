// One client connection: framing, the hello handshake, validation of each
// request, and dispatch to the actor. Nothing a client sends can crash the
// daemon: bad frames close that connection with an error, bad requests get
// an error reply, and a subscriber that cannot keep up is dropped with a
// notice rather than buffered without bound.
import type {Socket} from 'node:net'
import {isMarError, MarError} from '../util/errors.js'
import {marVersion} from '../util/version.js'
import {encodeFrame, FrameReader} from '../api/framing.js'
import {PROTOCOL_VERSION, type Reply, type Request} from '../api/protocol.js'
import type {Daemon} from './actor.js'
import {streamLogs} from './log-stream.js'
import {parseSignal} from '../api/signals.js'

/** A watcher whose unsent replies exceed this is too slow and is dropped. */
export const MAX_WATCH_BACKLOG = 8 * 1024 * 1024
/** Queued bytes past which send() asks its producer to wait. */
const FLUSH_BYTES = 256 * 1024

export interface Stream {
  cancel(): void
  /** The daemon is stopping: send what is due, a notice, then end. `programsEnded`: not with --keep. */
  close(message: string, programsEnded: boolean): Promise<void>
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

  constructor(
    readonly socket: Socket,
    private readonly daemon: Daemon,
    private readonly onStopRequested: (keep: boolean) => void,
  ) {
    const reader = new FrameReader(
      (frame) => this.onFrame(frame),
      (error) => this.fail(error.code, error.message),
    )
    socket.on('data', (chunk) => reader.push(chunk))
    socket.on('error', () => this.close())
    socket.on('close', () => this.close())
  }

  get backlog(): number {
    return this.socket.writableLength + this.queuedBytes
  }

  /**
   * Queue one reply; frames queued in one turn of the event loop go out in
   * one write (an `up` of 200 instances makes ~600 events: one syscall each
   * cost the daemon 60 ms). False means the client is behind: wait for
   * whenDrained before producing more.
   */
  send(reply: Reply): boolean {
    if (this.closed) return false
    this.queued.push(encodeFrame(reply))
    this.queuedBytes += this.queued[this.queued.length - 1]!.length
    if (!this.flushing) {
      this.flushing = true
      setImmediate(() => this.flush())
    }
    return this.queuedBytes < FLUSH_BYTES && !this.socket.writableNeedDrain
  }

  private flush(): void {
    this.flushing = false
    if (this.queued.length === 0 || this.closed) return
    const text = this.queued.length === 1 ? this.queued[0]! : this.queued.join('')
    this.queued = []
    this.queuedBytes = 0
    this.socket.write(text)
  }

  whenDrained(): Promise<void> {
    this.flush()
    if (this.closed || !this.socket.writableNeedDrain) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done)
        this.socket.off('close', done)
        resolve()
      }
      this.socket.once('drain', done)
      this.socket.once('close', done)
    })
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Answer a broken connection with one error frame, then end it once that frame is written. */
  private fail(code: string, message: string): void {
    this.send({id: 0, type: 'error', error: {code, message}})
    this.flush()
    this.failed = true
    this.socket.end()
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
    this.socket.end()
    // A client that never closes its side still must not hold the daemon up.
    setTimeout(() => this.close(), graceMs).unref()
  }

  private close(): void {
    if (this.closed) return
    this.closed = true
    for (const stream of this.streams.values()) stream.cancel()
    this.streams.clear()
    this.socket.destroy()
  }

  private onFrame(frame: unknown): void {
    if (this.failed) return
    if (!frame || typeof frame !== 'object') return this.fail('bad-request', 'a frame must be a JSON object')
    const message = frame as {type?: unknown; protocol?: unknown; id?: unknown}
    if (!this.greeted) {
      if (message.type !== 'hello') return this.fail('protocol', 'the first frame must be a hello')
      if (message.protocol !== PROTOCOL_VERSION) {
        return this.fail('protocol-mismatch', `this daemon speaks protocol ${PROTOCOL_VERSION}, the client ${String(message.protocol)}`)
      }
      this.greeted = true
      this.send({type: 'hello', protocol: PROTOCOL_VERSION, version: marVersion(), pid: process.pid})
      return
    }
    if (typeof message.id !== 'number' || typeof message.type !== 'string') {
      this.send({id: typeof message.id === 'number' ? message.id : 0, type: 'error', error: {code: 'bad-request', message: 'a request needs a numeric id and a type'}})
      return
    }
    const request = frame as Request
    this.handle(request).catch((error: unknown) => {
      const reply = isMarError(error)
        ? {code: error.code, message: error.message, hint: error.hint}
        : {code: 'internal', message: error instanceof Error ? error.message : String(error)}
      if (!isMarError(error)) this.daemon.deps.log(`request ${request.type} failed: ${error instanceof Error ? error.stack : String(error)}`)
      this.send({id: request.id, type: 'error', error: reply})
    })
  }

  private ok(id: number, data: unknown): void {
    this.send({id, type: 'ok', data})
  }

  private async handle(request: Request): Promise<void> {
    const d = this.daemon
    const targets = 'targets' in request && Array.isArray(request.targets) ? request.targets.map(String) : []
    switch (request.type) {
      case 'ping':
        return this.ok(request.id, d.info())
      case 'status':
        return this.ok(request.id, d.status())
      case 'up':
        requirePlan(request.plan)
        return this.ok(request.id, await d.up(request.plan, targets))
      case 'reload':
        requirePlan(request.plan)
        return this.ok(request.id, await d.reload(request.plan, Boolean(request.dryRun)))
      case 'down':
        return this.ok(request.id, await d.down(request.stack, targets))
      case 'start':
      case 'stop':
      case 'restart':
        return this.ok(request.id, await d.control(request.type, request.stack, targets))
      case 'signal': {
        const runtime = d.find(request.stack)
        const signal = parseSignal(request.signal)
        return this.ok(request.id, {stack: runtime.name, signal, results: runtime.signalInstances(runtime.resolve(targets), signal)})
      }
      case 'watch':
        return this.watch(request.id)
      case 'logs':
        this.streams.set(request.id, streamLogs(this, d, request, () => this.streams.delete(request.id)))
        return
      case 'cancel':
        this.streams.get(request.target)?.cancel()
        this.streams.delete(request.target)
        return this.ok(request.id, null)
      case 'daemon-stop':
        this.ok(request.id, {stopping: true, keep: Boolean(request.keep)})
        this.onStopRequested(Boolean(request.keep))
        return
      default:
        throw new MarError('bad-request', `unknown request type ${(request as {type: string}).type}`)
    }
  }

  private watch(id: number): void {
    this.send({id, type: 'snapshot', status: this.daemon.status()})
    const unsubscribe = this.daemon.subscribe((change) => {
      if (this.backlog > MAX_WATCH_BACKLOG) {
        // Too slow to read its events: drop it rather than buffer for ever.
        this.send({id, type: 'notice', message: 'dropped: this client read events too slowly'})
        this.send({id, type: 'end'})
        stream.cancel()
        return
      }
      this.send({id, type: 'change', change})
    })
    const stream: Stream = {
      cancel: () => {
        unsubscribe()
        this.streams.delete(id)
      },
      close: async (message) => {
        this.send({id, type: 'notice', message})
        this.send({id, type: 'end'})
        stream.cancel()
      },
    }
    this.streams.set(id, stream)
  }
}

function requirePlan(plan: unknown): void {
  const p = plan as {name?: unknown; groups?: unknown; startOrder?: unknown} | null
  if (!p || typeof p.name !== 'string' || !Array.isArray(p.groups) || !Array.isArray(p.startOrder)) {
    throw new MarError('bad-request', 'the request needs a plan (name, groups, startOrder)')
  }
}
