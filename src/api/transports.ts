// The byte streams the protocol travels over, behind one seam: whatever
// carries it, a client is a DaemonClient over a Duplex, and the daemon
// serves every one with the same session code (src/daemon/session.ts).
//   - a Unix socket: the daemon's in MAR_HOME, or a foreground stack's;
//   - a command's stdin/stdout: `ssh HOST mar daemon dial-stdio`, which
//     joins them to that host's daemon;
//   - an in-process pair: foreground mode's own printer, and tests.
import {connect} from 'node:net'
import {Duplex} from 'node:stream'
import {MarError} from '../util/errors.js'
import {DaemonClient, type OverOptions} from './client.js'

/** Connect to a daemon's socket; `daemon-unreachable` (exit 3) says why not. */
export function connectSocket(path: string, timeoutMs = 5000, options: Omit<OverOptions, 'timeoutMs'> = {}): Promise<DaemonClient> {
  const peer = options.peer ?? `the mar daemon at ${path}`
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    const onError = (error: NodeJS.ErrnoException) => reject(unreachable(path, peer, error))
    socket.once('error', onError)
    socket.once('connect', () => {
      socket.off('error', onError)
      DaemonClient.over(socket, {...options, timeoutMs, peer}).then(resolve, reject)
    })
  })
}

function unreachable(path: string, peer: string, error: NodeJS.ErrnoException): MarError {
  const why =
    error.code === 'ENOENT' ? 'it is not running' : error.code === 'ECONNREFUSED' ? 'it is not running (stale socket)' : error.code === 'EACCES' ? 'permission denied' : error.message
  return new MarError('daemon-unreachable', `cannot reach ${peer}: ${why}`, {
    hint: error.code === 'EACCES' ? 'the socket belongs to another user; set MAR_HOME to your own directory' : 'start it with `mar up` or `mar daemon start`',
    details: {errno: error.code, path},
  })
}

export interface CommandOptions extends OverOptions {
  env?: NodeJS.ProcessEnv
  /**
   * When the command ends before saying hello: a clearer error from its
   * stderr and exit code (ssh's own failures, src/remote/ssh.ts), or null
   * for the default (the error with the stderr's last line).
   */
  explain?: (stderr: string, exitCode: number | null) => MarError | null
}

/**
 * Speak the protocol with a command over its stdin and stdout — `ssh HOST
 * mar daemon dial-stdio`, or that command itself. Its stderr is kept for the
 * error when it ends before saying hello.
 */
export async function connectCommand(file: string, args: string[], options: CommandOptions = {}): Promise<DaemonClient> {
  const {spawn} = await import('node:child_process')
  const child = spawn(file, args, {stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env})
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString('utf8')
  })
  const stream = Duplex.from({readable: child.stdout, writable: child.stdin})
  child.once('exit', () => stream.destroy())
  // After its stdio closed: its stderr is all read by then.
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', (error: NodeJS.ErrnoException) => reject(new MarError('daemon-unreachable', `cannot run ${file}: ${error.message}`)))
  })
  await spawned
  try {
    const client = await DaemonClient.over(stream, {...options, peer: options.peer ?? `${file} ${args.join(' ')}`})
    client.onClose(() => child.kill())
    return client
  } catch (error) {
    if (options.explain) {
      // Its stdout closed: it is ending; its exit code (ssh: 255 for its own failures) and last words are moments away.
      const code = await Promise.race([closed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000).unref())])
      child.kill()
      const explained = code === undefined ? null : options.explain(stderr, code)
      if (explained) throw explained
    }
    child.kill()
    const said = stderr.trim().split('\n').at(-1)
    throw said && error instanceof MarError ? new MarError(error.code, `${error.message} (it said: ${said})`, {hint: error.hint}) : error
  }
}

/**
 * Two connected in-memory Duplex streams: what one writes, the other reads,
 * with backpressure (a write completes once the reader has room for it).
 * (Node 22 has stream.duplexPair; Node 20 does not.)
 */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = []
  /** Per end: the write waiting for that end's reader to want more. */
  const blocked: Array<(() => void) | null> = [null, null]
  const make = (self: number) => {
    const peer = 1 - self
    return new Duplex({
      read() {
        const resume = blocked[self]
        blocked[self] = null
        resume?.()
      },
      write(chunk: Buffer, _encoding, callback) {
        if (ends[peer]!.push(chunk)) callback()
        else blocked[peer] = () => callback()
      },
      final(callback) {
        ends[peer]!.push(null)
        callback()
      },
      destroy(error, callback) {
        if (!ends[peer]!.destroyed) ends[peer]!.destroy()
        callback(error)
      },
    })
  }
  ends.push(make(0), make(1))
  return [ends[0]!, ends[1]!]
}
