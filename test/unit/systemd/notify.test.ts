// The sd_notify sender against a real unix datagram socket, bound here the
// way systemd binds its notify socket.
import {createRequire} from 'node:module'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {notifySocketPath, notifySystemd} from '../../../src/daemon/systemd-notify.js'

interface Receiver {
  on(event: 'message', fn: (buf: Buffer) => void): void
  on(event: 'error', fn: (error: Error) => void): void
  bind(path: string): void
  close(): void
}
const unix = createRequire(import.meta.url)('unix-dgram') as {createSocket(type: 'unix_dgram'): Receiver}

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A bound socket and the datagrams it receives. */
function listen(): {path: string; received: string[]; next(): Promise<string>} {
  const dir = mkdtempSync(join(tmpdir(), 'mar-notify-'))
  const path = join(dir, 'notify')
  const socket = unix.createSocket('unix_dgram')
  const received: string[] = []
  const waiters: Array<(text: string) => void> = []
  socket.on('error', (error) => {
    throw error
  })
  socket.on('message', (buf) => {
    const text = buf.toString('utf8')
    received.push(text)
    waiters.shift()?.(text)
  })
  socket.bind(path)
  cleanups.push(() => {
    socket.close()
    rmSync(dir, {recursive: true, force: true})
  })
  return {
    path,
    received,
    next: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no datagram within 2s')), 2000)
        waiters.push((text) => {
          clearTimeout(timer)
          resolve(text)
        })
      }),
  }
}

describe('notifySystemd', () => {
  it('sends READY=1 to the socket in NOTIFY_SOCKET', async () => {
    const socket = listen()
    const got = socket.next()
    expect(notifySystemd('READY=1', {NOTIFY_SOCKET: socket.path})).toBe(true)
    expect(await got).toBe('READY=1')
  })

  it('sends several assignments as one datagram, in order, and one datagram per call', async () => {
    const socket = listen()
    const first = socket.next()
    expect(notifySystemd('READY=1\nSTATUS=2 stacks up', {NOTIFY_SOCKET: socket.path})).toBe(true)
    expect(await first).toBe('READY=1\nSTATUS=2 stacks up')
    const second = socket.next()
    expect(notifySystemd('STOPPING=1', {NOTIFY_SOCKET: socket.path})).toBe(true)
    expect(await second).toBe('STOPPING=1')
    expect(socket.received).toEqual(['READY=1\nSTATUS=2 stacks up', 'STOPPING=1'])
  })

  it('reads process.env by default', async () => {
    const socket = listen()
    const saved = process.env.NOTIFY_SOCKET
    process.env.NOTIFY_SOCKET = socket.path
    cleanups.push(() => (saved === undefined ? delete process.env.NOTIFY_SOCKET : (process.env.NOTIFY_SOCKET = saved)))
    const got = socket.next()
    expect(notifySystemd('READY=1')).toBe(true)
    expect(await got).toBe('READY=1')
  })

  it('is a no-op returning false without NOTIFY_SOCKET, and never throws', () => {
    expect(notifySystemd('READY=1', {})).toBe(false)
    expect(notifySystemd('READY=1', {NOTIFY_SOCKET: ''})).toBe(false)
    // Nobody listens there: sendto fails with ENOENT.
    expect(notifySystemd('READY=1', {NOTIFY_SOCKET: join(tmpdir(), 'mar-no-such-notify-socket')})).toBe(false)
    // A directory, not a socket.
    expect(notifySystemd('READY=1', {NOTIFY_SOCKET: tmpdir()})).toBe(false)
    expect(notifySystemd('', {NOTIFY_SOCKET: '/run/x'})).toBe(false)
  })

  it('does not send to addresses it cannot reach correctly: abstract, relative, or too long for sun_path', () => {
    expect(notifySocketPath({NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify'})).toBeNull()
    expect(notifySocketPath({NOTIFY_SOCKET: 'relative/notify'})).toBeNull()
    expect(notifySocketPath({NOTIFY_SOCKET: `/tmp/${'x'.repeat(120)}`})).toBeNull()
    expect(notifySocketPath({NOTIFY_SOCKET: '/run/systemd/notify'})).toBe('/run/systemd/notify')
    expect(notifySystemd('READY=1', {NOTIFY_SOCKET: '@abstract'})).toBe(false)
  })

  it('leaves no socket open: many calls do not leak descriptors', async () => {
    const socket = listen()
    const {readdirSync} = await import('node:fs')
    const before = readdirSync('/proc/self/fd').length
    for (let i = 0; i < 200; i++) notifySystemd(`STATUS=${i}`, {NOTIFY_SOCKET: socket.path})
    expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before + 1)
  })
})

describe('notifySystemd → mar\'s own notify receiver', () => {
  it('the supervisor\'s NotifySocket parses what the sender sends', async () => {
    const {NotifySocket} = await import('../../../src/supervisor/notify-socket.js')
    const dir = mkdtempSync(join(tmpdir(), 'mar-notify-'))
    const receiver = new NotifySocket(join(dir, 'n.sock'))
    receiver.open()
    cleanups.push(() => {
      receiver.close()
      rmSync(dir, {recursive: true, force: true})
    })
    const got = new Promise((resolve) => receiver.onMessage(resolve))
    expect(notifySystemd('READY=1\nSTATUS=listening', {NOTIFY_SOCKET: receiver.path})).toBe(true)
    expect(await got).toEqual({ready: true, status: 'listening'})
  })
})
