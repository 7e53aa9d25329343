import {connect} from 'node:net'
import {realClock} from '../clock.js'
import {CheckFailed, type Check} from './check.js'

export function tcpCheck(host: string, port: number): Check {
  return {
    describe: () => `tcp ${host}:${port}`,
    attempt: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const socket = connect({host, port})
        // realClock: a timeout past 2³¹−1 ms would otherwise fire at once.
        const timer = realClock.setTimeout(() => fail(new CheckFailed(`tcp ${host}:${port}: no answer within ${timeoutMs}ms`)), timeoutMs)
        const fail = (error: Error) => {
          realClock.clearTimeout(timer)
          socket.destroy()
          reject(error instanceof CheckFailed ? error : new CheckFailed(`tcp ${host}:${port}: ${errorCode(error)}`))
        }
        socket.once('connect', () => {
          realClock.clearTimeout(timer)
          socket.destroy()
          resolve()
        })
        socket.once('error', fail)
      }),
  }
}

function errorCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ECONNREFUSED' ? 'connection refused' : (code ?? error.message)
}
