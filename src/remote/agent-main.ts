// mar's agent: what runs on a remote host. The build makes it one
// self-contained CommonJS file (dist/agent.cjs, no node_modules beside it,
// re2js bundled in) that the hub uploads to
// `${MAR_HOME:-$HOME/.mar}/agent/VERSION/mar.cjs` and reaches with
// `ssh HOST exec node …/mar.cjs daemon dial-stdio`. It is the daemon and
// dial-stdio code of the CLI without oclif, and understands only:
//   daemon dial-stdio        join stdin/stdout to this host's daemon (starting it)
//   daemon run               the daemon in the foreground (as `mar daemon run`)
//   daemon run --background  the daemon as dist/daemon.js runs it (what dial-stdio starts)
//   daemon stop [--keep]     as `mar daemon stop`
//   version                  mar's version
// The CLI never loads this module: it is an entry of its own.
import {isMainThread, parentPort, workerData} from 'node:worker_threads'
import {setDaemonEntry} from '../api/daemon-process.js'
import {servePatterns, usePatternWorkerScript} from '../util/pattern-worker.js'
import {re2Engine} from '../util/user-pattern.js'
import {ExitCode, MarError} from '../util/errors.js'
import {marVersion} from '../util/version.js'

const USAGE = 'usage: mar.cjs daemon dial-stdio | daemon run [--background] | daemon stop [--keep] | version'

export async function agentMain(argv: string[], self: string): Promise<number> {
  // A daemon this agent starts is this very file, not a dist/daemon.js that does not exist here.
  setDaemonEntry({script: self, args: ['daemon', 'run', '--background']})
  const [first, second, ...rest] = argv
  const flags = new Set(rest)
  const only = (...allowed: string[]) => [...flags].every((flag) => allowed.includes(flag))
  if (first === 'version' && second === undefined) {
    process.stdout.write(`${marVersion()}\n`)
    return 0
  }
  if (first === 'daemon' && second === 'dial-stdio' && only()) {
    const {dialStdio} = await import('../cli/dial-stdio.js')
    return dialStdio()
  }
  if (first === 'daemon' && second === 'run' && only('--background')) {
    const {runDaemon} = await import('../daemon/main.js')
    return flags.has('--background') ? runDaemon({foreground: false}) : runDaemon({foreground: true, takeOver: true})
  }
  if (first === 'daemon' && second === 'stop' && only('--keep')) {
    const {daemonStop} = await import('../cli/daemon-admin.js')
    return daemonStop({keep: flags.has('--keep'), json: false, quiet: false})
  }
  process.stderr.write(`mar agent: unknown command: ${argv.join(' ')}\n${USAGE}\n`)
  return ExitCode.usage
}

// This file is also the worker thread that matches users' patterns off the event loop (src/util/pattern-worker.ts).
if (!isMainThread && (workerData as {marPatternWorker?: boolean} | null)?.marPatternWorker) {
  servePatterns(parentPort!, re2Engine())
} else if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  // Run when this file is the program (the bundle), not when a test imports it.
  usePatternWorkerScript(__filename)
  // The hub went away (ssh killed): nobody is left to tell anything.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0)
      throw error
    })
  }
  agentMain(process.argv.slice(2), __filename).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const line = error instanceof MarError ? error.toLine() : error instanceof Error ? (error.stack ?? error.message) : String(error)
      process.stderr.write(`mar: ${line}\n`)
      process.exit(error instanceof MarError ? error.exitCode : 1)
    },
  )
}
