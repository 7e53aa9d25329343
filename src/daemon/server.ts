// The daemon's sockets. The control socket lives in MAR_HOME (0700) with
// mode 0600, so only its user can connect. A second, abstract-namespace
// socket is the single-instance lock: the kernel releases it when the
// daemon dies however it dies, so there is never a stale lock to break, and
// two daemons racing to start cannot both win.
import {createHash} from 'node:crypto'
import {chmodSync, rmSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'

export function lockName(home: string): string {
  const uid = process.getuid?.() ?? 0
  return `\0mar-daemon-${uid}-${createHash('sha256').update(home).digest('hex').slice(0, 24)}`
}

/** The lock a `mar up -f` of `stack` holds (acquireLock's key): one foreground run per stack. */
export function foregroundLockKey(home: string, stack: string): string {
  return `${home}\u0000foreground\u0000${stack}`
}

/** Take the lock for this MAR_HOME; null when another daemon holds it. */
export function acquireLock(home: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy())
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(null) : reject(error)))
    server.listen(lockName(home), () => resolve(server))
  })
}

/** Listen on the control socket, replacing a stale socket file (we hold the lock, so it is stale). */
export function listenControl(path: string, onConnection: (socket: Socket) => void): Promise<Server> {
  rmSync(path, {force: true})
  return new Promise((resolve, reject) => {
    // Half-open: a client that has sent all it will (`… | mar daemon dial-stdio`) still gets its answers.
    const server = createServer({allowHalfOpen: true}, onConnection)
    const previous = process.umask(0o177)
    server.once('error', (error) => {
      process.umask(previous)
      reject(error)
    })
    server.listen(path, () => {
      process.umask(previous)
      chmodSync(path, 0o600)
      resolve(server)
    })
  })
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
