// The sending end of the systemd notify protocol (sd_notify(3)): under
// `Type=notify` systemd puts the path of a unix datagram socket in
// NOTIFY_SOCKET, and the service sends newline-separated assignments to it:
// READY=1 once it serves, STOPPING=1 when it begins to shut down, STATUS=…
// for `systemctl status`. Node has no unix datagram sockets, hence
// unix-dgram (native), loaded on first use so that nothing else pays for it
// (the receiving end for `ready: notify` runners is supervisor/notify-socket.ts).
//
// Only filesystem sockets are supported. An abstract address (`@name`)
// cannot be reached through unix-dgram 2.x: it copies the address with
// strncpy, which stops at the leading NUL, and always passes the full
// sockaddr_un length, which would NUL-pad the name into a different
// abstract address. systemd itself always gives services a path
// (/run/systemd/notify, or $XDG_RUNTIME_DIR/systemd/notify for user
// managers); abstract addresses come only from some container managers.
import {createRequire} from 'node:module'

interface DgramSender {
  on(event: 'error', fn: (error: Error) => void): void
  send(buf: Buffer, offset: number, length: number, path: string, callback: (error?: Error) => void): void
  close(): void
}

interface UnixDgram {
  createSocket(type: 'unix_dgram'): DgramSender
}

/** sun_path holds 108 bytes including the terminating NUL; unix-dgram silently truncates longer paths. */
const MAX_SOCKET_PATH = 107

let unixDgram: UnixDgram | null | undefined

function loadUnixDgram(): UnixDgram | null {
  if (unixDgram === undefined) {
    try {
      unixDgram = createRequire(import.meta.url)('unix-dgram') as UnixDgram
    } catch {
      unixDgram = null
    }
  }
  return unixDgram
}

/** The socket address to notify, or null when there is none or it cannot be used (see above). */
export function notifySocketPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const address = env.NOTIFY_SOCKET
  if (!address || !address.startsWith('/')) return null
  if (Buffer.byteLength(address) > MAX_SOCKET_PATH) return null
  return address
}

/**
 * Send one notification, e.g. `READY=1`, `STOPPING=1`, `STATUS=3 stacks up`,
 * or several joined by newlines. Returns whether the datagram was sent:
 * false without NOTIFY_SOCKET (not under systemd), with an abstract or
 * invalid address, or when sending fails. Never throws: the daemon must run
 * the same with or without systemd. Synchronous: unix-dgram's sendto returns
 * at once (a datagram is queued whole or refused), so the caller knows the
 * outcome before, for example, it starts to stop stacks after STOPPING=1.
 */
export function notifySystemd(state: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = notifySocketPath(env)
  if (path === null || state === '') return false
  const unix = loadUnixDgram()
  if (unix === null) return false
  let socket: DgramSender | undefined
  try {
    socket = unix.createSocket('unix_dgram')
    socket.on('error', () => {})
    const datagram = Buffer.from(state, 'utf8')
    let sent = false
    socket.send(datagram, 0, datagram.length, path, (error) => {
      sent = error === undefined || error === null
    })
    return sent
  } catch {
    return false
  } finally {
    try {
      socket?.close()
    } catch {
      // Closing a socket that failed to open: nothing to release.
    }
  }
}
