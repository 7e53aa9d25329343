import type {CommandSpec} from '../spec.js'
import {toArgv} from '../command.js'
import {CheckFailed, type Check} from './check.js'
import {timerMs} from '../clock.js'

/** Passes when the command exits 0 within the timeout; a hung command is killed. */
export function execCheck(command: CommandSpec, env: Record<string, string>, cwd: string): Check {
  const argv = toArgv(command)
  const label = 'shell' in command ? command.shell : command.argv.join(' ')
  return {
    describe: () => `exec ${label}`,
    async attempt(timeoutMs) {
      const {execa} = await import('execa')
      const result = await execa(argv.file, argv.args, {
        cwd,
        env,
        extendEnv: false,
        stdin: 'ignore',
        reject: false,
        // execa's timer cannot be chained: capped, a longer timeout waits 24.8 days instead of ending at once.
        timeout: timerMs(timeoutMs),
        killSignal: 'SIGKILL',
        detached: true,
        cleanup: true,
        maxBuffer: 64 * 1024,
        all: true,
      })
      if (result.exitCode === 0) return
      if (result.timedOut) throw new CheckFailed(`exec "${label}": still running after ${timeoutMs}ms`)
      const last = String(result.all ?? '').trim().split('\n').pop()?.slice(0, 200)
      const why = result.exitCode === undefined ? (result.signal ?? result.shortMessage) : `exit ${result.exitCode}`
      throw new CheckFailed(`exec "${label}": ${why}${last ? ` (${last})` : ''}`)
    },
  }
}
