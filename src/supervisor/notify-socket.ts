// The receiving end of the systemd notify protocol: a unix datagram socket
// whose path the program finds in NOTIFY_SOCKET, and to which it sends
// newline-separated KEY=VALUE assignments (READY=1, STATUS=…, STOPPING=1,
// WATCHDOG=1). Node has no unix datagram sockets, hence unix-dgram (native),
// loaded only when a runner uses `ready: notify`.
import {createRequire} from 'node:module'
import {mkdirSync, rmSync} from 'node:fs'
import {dirname} from 'node:path'

export interface NotifyMessage {
  ready?: boolean
  stopping?: boolean
  watchdog?: boolean
  status?: string
}

/** Parse one datagram; anything that is not KEY=VALUE text is ignored, never fatal. */
export function parseNotify(datagram: Buffer): NotifyMessage | null {
  if (datagram.length === 0 || datagram.length > 4096) return null
  const text = datagram.toString('utf8')
  const message: NotifyMessage = {}
  let understood = false
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const key = line.slice(0, eq)
    const value = line.slice(eq + 1)
    if (key === 'READY' && value === '1') message.ready = understood = true
    else if (key === 'STOPPING' && value === '1') message.stopping = understood = true
    else if (key === 'WATCHDOG' && value === '1') message.watchdog = understood = true
    else if (key === 'STATUS') {
      message.status = value.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 200)
      understood = true
    }
  }
  return understood ? message : null
}

interface DgramSocket {
  on(event: 'message', fn: (buf: Buffer) => void): void
  on(event: 'error', fn: (error: Error) => void): void
  bind(path: string): void
  close(): void
}

export class NotifySocket {
  private socket: DgramSocket | null = null
  /** Readiness and liveness checks may share one socket: open/close are counted. */
  private users = 0
  private readonly listeners = new Set<(message: NotifyMessage) => void>()

  constructor(readonly path: string) {}

  onMessage(listener: (message: NotifyMessage) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  open(): void {
    this.users += 1
    if (this.socket) return
    let unix: {createSocket(type: 'unix_dgram'): DgramSocket}
    try {
      unix = createRequire(import.meta.url)('unix-dgram') as typeof unix
    } catch {
      // An optional dependency: its native build needs python3, make and a C++ compiler.
      throw new Error('ready: notify needs the optional package unix-dgram, which is not installed here (its native build needs python3, make and g++); reinstall mar where those exist')
    }
    mkdirSync(dirname(this.path), {recursive: true, mode: 0o700})
    rmSync(this.path, {force: true})
    const socket = unix.createSocket('unix_dgram')
    let bindError: Error | null = null
    socket.on('error', (error) => (bindError ??= error))
    socket.on('message', (datagram) => {
      const message = parseNotify(datagram)
      if (message) for (const listener of this.listeners) listener(message)
    })
    socket.bind(this.path)
    if (bindError) {
      socket.close()
      throw new Error(`cannot bind notify socket ${this.path}: ${(bindError as Error).message}`)
    }
    this.socket = socket
  }

  close(): void {
    this.users = Math.max(0, this.users - 1)
    if (this.users > 0) return
    this.socket?.close()
    this.socket = null
    rmSync(this.path, {force: true})
  }
}
