// A hand-driven connection to the daemon's socket, for testing what the
// daemon does with frames no well-behaved client would send.
import {connect, type Socket} from 'node:net'
import {PROTOCOL_VERSION} from '../../src/api/protocol.js'

export interface RawConnection {
  socket: Socket
  /** Every frame received so far, parsed. */
  frames: unknown[]
  /** Blank lines received (keepalives between frames, which a reader skips). */
  blankLines(): number
  closed: Promise<void>
  send(text: string): void
  hello(): void
}

export function rawConnect(path: string): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    const frames: unknown[] = []
    let buffered = ''
    let blank = 0
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      buffered += chunk
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl)
        if (line === '') blank++
        else frames.push(JSON.parse(line))
        buffered = buffered.slice(nl + 1)
      }
    })
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    socket.once('error', reject)
    socket.once('connect', () =>
      resolve({
        socket,
        frames,
        blankLines: () => blank,
        closed,
        send: (text) => socket.write(text),
        hello: () => socket.write(`${JSON.stringify({type: 'hello', protocol: PROTOCOL_VERSION, version: 'test', pid: process.pid, role: 'client'})}\n`),
      }),
    )
  })
}
