// `mar daemon dial-stdio`: join this process's stdin and stdout to the
// daemon's socket, starting the daemon if it is not running — what an SSH
// connection carries to reach a remote host's daemon (`ssh HOST mar daemon
// dial-stdio`), as `docker system dial-stdio` does. Bytes pass through
// untouched: the two ends speak the protocol to each other.
import {connect} from 'node:net'
import {probeDaemon} from '../api/connect.js'
import {startDaemon} from '../api/daemon-process.js'
import {marPaths} from '../api/home.js'
import {MarError} from '../util/errors.js'

export async function dialStdio(): Promise<number> {
  const paths = marPaths()
  const running = await probeDaemon(paths)
  if (running) running.close()
  else await startDaemon(paths, undefined, {allowFull: true})
  const socket = connect(paths.socket)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', (error) => reject(new MarError('daemon-unreachable', `cannot reach the mar daemon at ${paths.socket}: ${error.message}`)))
  })
  // stdin's end is passed on as a half-close: what was asked is still answered.
  process.stdin.pipe(socket)
  socket.pipe(process.stdout)
  return new Promise((resolve) => {
    socket.once('close', () => resolve(0))
    socket.once('error', () => resolve(0))
  })
}
