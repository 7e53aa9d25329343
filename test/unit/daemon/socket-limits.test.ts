// What one client, or many, can take from the daemon over its socket: a
// connection that never says hello is closed, connections past the limit
// are told the daemon is busy, unfinished frames share one memory budget,
// and a request asks for bounded work. Real Unix sockets.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {ApiServer} from '../../../src/daemon/api-server.js'
import {fakeDaemon, type FakeDaemon} from '../../helpers/fake-daemon.js'
import {rawConnect, type RawConnection} from '../../helpers/raw-socket.js'
import {waitFor} from '../../helpers/wait.js'

let f: FakeDaemon | undefined
let server: ApiServer | undefined
const connections: RawConnection[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of connections.splice(0)) c.socket.destroy()
  // As the daemon stops: the server closes once every session has ended, so end them too (a failed test may leave one open).
  const closed = server?.stopListening()
  await server?.endSessions('the test ended', true)
  await closed
  server = undefined
  await f?.cleanup()
  f = undefined
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

async function serving(options: {maxConnections?: number; frameBudgetBytes?: number; helloTimeoutMs?: number; peerProbeMs?: number}) {
  f = fakeDaemon()
  const dir = mkdtempSync(join(tmpdir(), 'mar-limits-'))
  dirs.push(dir)
  const path = join(dir, 's.sock')
  server = new ApiServer(f.daemon, {role: 'daemon', log: () => {}, onStopRequested: () => {}, ...options})
  await server.listen(path)
  return async () => {
    const c = await rawConnect(path)
    connections.push(c)
    return c
  }
}

const errorCode = (frame: unknown) => (frame as {error?: {code?: string}}).error?.code

describe('socket limits', () => {
  it('closes a connection that does not say hello in time', async () => {
    const connect = await serving({helloTimeoutMs: 100})
    const idle = await connect()
    await idle.closed
    expect(errorCode(idle.frames[0])).toBe('protocol')
    const polite = await connect()
    polite.hello()
    await waitFor('the hello', () => polite.frames.length > 0)
    expect(polite.socket.destroyed).toBe(false)
  })

  it('past the limit, the oldest connection that never said hello makes room; when all are clients, a new one is told busy', async () => {
    const connect = await serving({maxConnections: 2})
    const silent = await connect()
    const client = await connect()
    client.hello()
    await waitFor('the hello', () => client.frames.length > 0)
    const next = await connect()
    next.hello()
    await waitFor("the newcomer's hello", () => next.frames.length > 0)
    expect((next.frames[0] as {type?: string}).type).toBe('hello')
    await silent.closed
    expect(errorCode(silent.frames[0])).toBe('busy')
    // Now both are clients: one more is refused.
    const third = await connect()
    await third.closed
    expect(errorCode(third.frames[0])).toBe('busy')
    expect(client.socket.destroyed).toBe(false)
  })

  it('unfinished frames of all connections share one budget; what a closed one held is given back', async () => {
    const connect = await serving({frameBudgetBytes: 1_000_000})
    const first = await connect()
    first.hello()
    first.send('{"id":1,"method":"ping","params":{"pad":"' + 'x'.repeat(700_000))
    await waitFor('the first frame to be held', () => server!.unfinishedFrameBytes >= 700_000)
    const second = await connect()
    second.hello()
    second.send('{"id":1,"method":"ping","params":{"pad":"' + 'x'.repeat(700_000))
    await second.closed
    expect(second.frames.map(errorCode)).toContain('busy')
    first.socket.destroy()
    await first.closed
    await waitFor('its bytes to be given back', () => server!.unfinishedFrameBytes === 0)
    const third = await connect()
    third.hello()
    third.send('{"id":1,"method":"ping","params":{"pad":"' + 'x'.repeat(700_000) + '"}}\n')
    await waitFor('the ping to be answered', () => third.frames.some((frame) => (frame as {id?: number}).id === 1))
    expect(errorCode(third.frames.find((frame) => (frame as {id?: number}).id === 1))).toBeUndefined()
  })

  it('bounds the work a request asks for', async () => {
    const connect = await serving({})
    const c = await connect()
    c.hello()
    c.send(`${JSON.stringify({id: 1, method: 'logs', params: {stack: null, targets: [], lines: 1e9, follow: false}})}\n`)
    c.send(`${JSON.stringify({id: 2, method: 'stop', params: {stack: {name: 'x'}, targets: Array.from({length: 20_000}, () => 'a')}})}\n`)
    await waitFor('both answers', () => c.frames.filter((frame) => (frame as {id?: number}).id).length === 2)
    expect(c.frames.filter((frame) => (frame as {id?: number}).id).map(errorCode)).toEqual(['bad-request', 'bad-request'])
  })

  it('a client whose input ended is still answered while it is there, and its streams end once it is gone', async () => {
    // End of input is all the socket tells of a killed client, and all it tells of one that only half-closed
    // (`… | mar daemon dial-stdio`). A quiet follow stream (a --grep nothing matches) sends nothing that could fail.
    const connect = await serving({peerProbeMs: 50})
    const c = await connect()
    c.hello()
    c.send(`${JSON.stringify({id: 1, method: 'logs', params: {stack: null, targets: [], lines: 0, follow: true}})}\n`)
    await waitFor('the hello', () => c.frames.length > 0)
    c.socket.end()
    // Half-closed and alive: asked with blank lines, which it skips; the connection stays.
    await waitFor('a few keepalives', () => c.blankLines() >= 3)
    expect(server!.connections).toBe(1)
    expect(c.frames.filter((frame) => (frame as {type?: string}).type === 'error')).toEqual([])
    // Gone: the next keepalive fails to write, and the daemon closes the connection and its stream.
    c.socket.destroy()
    await waitFor('the connection to be closed', () => server!.connections === 0)
  })
})
