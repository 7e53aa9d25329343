// The daemon's sockets and locks. The control socket lives in MAR_HOME
// (0700) with mode 0600, so only its user can connect. The single-instance
// lock is a flock(2) on a file in MAR_HOME (src/daemon/file-lock.ts): only
// the user can open it, so no other user can take it first (an abstract
// socket's name is visible to everyone in /proc/net/unix, and was), and the
// kernel releases it when the daemon dies however it dies.
import {chmodSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {createServer, type Server, type Socket} from 'node:net'
import {safeName} from '../api/home.js'
export {acquireLock, type HeldLock} from './file-lock.js'

/** The daemon's single-instance lock file in MAR_HOME. */
export function daemonLockPath(home: string): string {
  return join(home, 'daemon.lock')
}

/** The lock a `mar up -f` of `stack` holds: one foreground run per stack. */
export function foregroundLockKey(home: string, stack: string): string {
  return join(home, 'foreground', `${safeName(stack)}.lock`)
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
