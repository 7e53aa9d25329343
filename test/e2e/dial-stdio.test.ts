// `mar daemon dial-stdio` through the built binary: the protocol over a
// command's stdin/stdout, the daemon started on demand, a whole
// conversation piped in with EOF (a half-close that is still answered), and
// a client of another protocol version refused.
import {spawn, type ChildProcess} from 'node:child_process'
import {afterEach, describe, expect, it} from 'vitest'
import type {DaemonClient} from '../../src/api/client.js'
import {PROTOCOL_VERSION} from '../../src/api/protocol.js'
import {connectCommand} from '../../src/api/transports.js'
import {marBin} from '../helpers/cli.js'
import {withHome, type Home} from '../helpers/daemon.js'
import {childrenOf, cmdlineOf, isAlive, killQuietly, waitFor} from '../helpers/wait.js'

const homes: Home[] = []
const clients: DaemonClient[] = []
const children: ChildProcess[] = []
/** Pids of dial-stdio processes started through connectCommand (which does not hand out its child). */
const pids: number[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const pid of pids.splice(0)) if (isAlive(pid)) killQuietly(pid)
  for (const home of homes.splice(0)) await home.cleanup()
})

function freshHome(): Home {
  const home = withHome()
  homes.push(home)
  return home
}

function envOf(home: Home): NodeJS.ProcessEnv {
  return {...process.env, MAR_HOME: home.home, NO_COLOR: '1', FORCE_COLOR: undefined}
}

/** `mar daemon dial-stdio` as a child whose whole stdout and stderr are kept. */
function dial(home: Home) {
  const child = spawn(process.execPath, [marBin, 'daemon', 'dial-stdio'], {env: envOf(home), stdio: ['pipe', 'pipe', 'pipe']})
  children.push(child)
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.once('exit', (code, signal) => resolve({code, signal})))
  return {
    child,
    exited,
    out: () => out,
    err: () => err,
    frames: () =>
      out
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}

/** The pids of this process's children that run `mar daemon dial-stdio`. */
function dialChildren(): number[] {
  return childrenOf(process.pid).filter((pid) => {
    const cmdline = cmdlineOf(pid)
    return cmdline.includes(marBin) && cmdline.includes('dial-stdio') && isAlive(pid)
  })
}

function within<T>(promise: Promise<T>, timeoutMs: number, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why())), timeoutMs)))
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

const hello = (protocol: number) => `${JSON.stringify({type: 'hello', protocol, version: 'test', pid: 1, role: 'client'})}\n`

describe('mar daemon dial-stdio', () => {
  it('starts the daemon when none runs and joins stdin/stdout to it; the daemon keeps running after', async () => {
    const home = freshHome()
    expect(home.daemonPid()).toBeNull()
    expect((await home.mar(['daemon', 'status'])).code).toBe(3)

    const client = await connectCommand(process.execPath, [marBin, 'daemon', 'dial-stdio'], {env: envOf(home), timeoutMs: 20_000})
    clients.push(client)
    const dialers = dialChildren()
    expect(dialers).toHaveLength(1)
    pids.push(...dialers)

    expect(client.peer.role).toBe('daemon')
    expect(client.peer.protocol).toBe(PROTOCOL_VERSION)
    expect(client.peer.protocol).toBe(2)
    const info = await client.call('ping', {})
    expect(info.pid).toBe(client.peer.pid)
    expect(info.home).toBe(home.home)
    expect(info.pid).not.toBe(dialers[0])
    expect(home.daemonPid()).toBe(info.pid)
    expect(isAlive(info.pid)).toBe(true)
    const status = await client.call('status', {})
    expect(status.stacks).toEqual([])

    client.close()
    await waitFor('the dial-stdio process to exit', () => !isAlive(dialers[0]!), 10_000)

    // dial-stdio started it, and it outlives the connection.
    expect(isAlive(info.pid)).toBe(true)
    const daemonStatus = await home.mar(['daemon', 'status'])
    expect(daemonStatus.code).toBe(0)
    expect(home.daemonPid()).toBe(info.pid)
  })

  it('a whole conversation piped in and ended with EOF is answered, then dial-stdio exits 0 on its own', async () => {
    const home = freshHome()
    const dialer = dial(home)
    dialer.child.stdin.write(hello(PROTOCOL_VERSION))
    dialer.child.stdin.write(`${JSON.stringify({id: 1, method: 'status', params: {}})}\n`)
    dialer.child.stdin.end()

    const {code, signal} = await within(dialer.exited, 20_000, () => `dial-stdio did not exit\nstdout: ${dialer.out()}\nstderr: ${dialer.err()}`)
    expect({code, signal, stderr: dialer.err()}).toEqual({code: 0, signal: null, stderr: ''})
    const frames = dialer.frames()
    expect(frames).toHaveLength(2)
    expect(frames[0]).toMatchObject({type: 'hello', protocol: PROTOCOL_VERSION, role: 'daemon'})
    expect(frames[1]).toMatchObject({id: 1, type: 'result', data: {stacks: [], hosts: expect.any(Array)}})
    expect(frames[0]!.pid).toBe(home.daemonPid())
  })

  it('a client of another protocol version gets a protocol-mismatch error', async () => {
    const home = freshHome()
    const dialer = dial(home)
    dialer.child.stdin.write(hello(1))
    await waitFor('an error frame', () => dialer.frames().some((f) => f.type === 'error'), 20_000)
    const frames = dialer.frames()
    expect(frames).toHaveLength(1)
    expect(frames[0]).toMatchObject({type: 'error', error: {code: 'protocol-mismatch'}})
    expect(String((frames[0]!.error as {message: string}).message)).toContain('1')
    // The daemon ends that connection; dial-stdio then ends too, though its stdin is still open.
    const {code} = await within(dialer.exited, 10_000, () => `dial-stdio did not exit\nstderr: ${dialer.err()}`)
    expect(code).toBe(0)
  })
})
