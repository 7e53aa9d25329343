// node:http and node:https load at the first http check, not with the
// daemon: together they cost every daemon 2-3 MB of memory, and every spawn
// is slower the bigger the daemon is (a fork copies its page tables).
import {CheckFailed, type Check} from './check.js'
import {timerMs} from '../clock.js'

/** Passes on the expected status, or on any 2xx/3xx when none is given. */
export function httpCheck(url: string, status?: number): Check {
  const accepts = (code: number) => (status === undefined ? code >= 200 && code < 400 : code === status)
  return {
    describe: () => `http ${url}`,
    attempt: async (timeoutMs) => {
      let target: URL
      try {
        target = new URL(url)
      } catch {
        throw new CheckFailed(`http: invalid URL ${url}`)
      }
      const {request: send} = target.protocol === 'https:' ? await import('node:https') : await import('node:http')
      return new Promise((resolve, reject) => {
        const request = send(target, {method: 'GET', timeout: timerMs(timeoutMs)}, (response) => {
          response.resume()
          const code = response.statusCode ?? 0
          if (accepts(code)) resolve()
          else reject(new CheckFailed(`http ${url}: status ${code}${status === undefined ? '' : `, expected ${status}`}`))
        })
        request.once('timeout', () => request.destroy(new CheckFailed(`http ${url}: no answer within ${timeoutMs}ms`)))
        request.once('error', (error) =>
          reject(error instanceof CheckFailed ? error : new CheckFailed(`http ${url}: ${(error as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'connection refused' : error.message}`)),
        )
        request.end()
      })
    },
  }
}
