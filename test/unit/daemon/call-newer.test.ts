// A client newer than the daemon it reaches: the calls added within protocol 2
// (describe, clear-logs) come back `bad-request` from a daemon that predates
// them, which the CLI reports as "restart the daemon" (exit 3), not as a usage error.
import {describe, expect, it} from 'vitest'
import {DaemonClient} from '../../../src/api/client.js'
import {encodeFrame, FrameReader} from '../../../src/api/framing.js'
import {PROTOCOL_VERSION} from '../../../src/api/protocol.js'
import {duplexPair} from '../../../src/api/transports.js'
import {callNewer} from '../../../src/cli/call-newer.js'
import {MarError} from '../../../src/util/errors.js'

/** A peer of protocol 2 that knows only ping, answering as an older daemon's check at the door did. */
function olderDaemon(role: 'daemon' | 'foreground') {
  const [ours, theirs] = duplexPair()
  // Answered on a later turn, as a daemon's session does.
  const reader = new FrameReader(
    (frame) => setImmediate(() => {
      const f = frame as {type?: string; id?: number; method?: string}
      if (f.type === 'hello') return void theirs.write(encodeFrame({type: 'hello', protocol: PROTOCOL_VERSION, version: '0.0.9', pid: 1, role}))
      if (f.method === 'ping') return void theirs.write(encodeFrame({id: f.id, type: 'result', data: {}}))
      theirs.write(encodeFrame({id: f.id, type: 'error', error: {code: 'bad-request', message: `unknown method ${JSON.stringify(f.method)}`}}))
    }),
    () => {},
  )
  theirs.on('data', (chunk: Buffer) => reader.push(chunk))
  return DaemonClient.over(ours)
}

describe('callNewer', () => {
  it('turns an older daemon\'s unknown method into a protocol-mismatch that says to restart it', async () => {
    const client = await olderDaemon('daemon')
    try {
      const error = await callNewer(client, 'describe', {stack: {name: 'shop'}, target: 'web.1'}).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(MarError)
      expect((error as MarError).code).toBe('protocol-mismatch')
      expect((error as MarError).exitCode).toBe(3)
      expect((error as MarError).message).toMatch(/mar 0\.0\.9.*cannot answer describe/)
      expect((error as MarError).hint).toMatch(/mar daemon stop --keep && mar daemon start/)
      await expect(callNewer(client, 'ping', {})).resolves.toEqual({})
    } finally {
      client.close()
    }
  })

  it('names a `mar up -f` as what to restart', async () => {
    const client = await olderDaemon('foreground')
    try {
      const error = (await callNewer(client, 'clear-logs', {stack: 'shop'}).catch((e: unknown) => e)) as MarError
      expect(error.message).toMatch(/`mar up -f`/)
      expect(error.hint).toMatch(/restart that `mar up -f`/)
    } finally {
      client.close()
    }
  })
})
