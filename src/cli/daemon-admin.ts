// mar daemon start / stop / status.
import {marPaths} from '../api/home.js'
import {isRunning} from '../supervisor/proc.js'
import {formatUptime} from '../util/format.js'
import {ExitCode, MarError} from '../util/errors.js'
import {probeDaemon} from '../api/connect.js'
import {startDaemon} from '../api/daemon-process.js'

export async function daemonStart(options: {json: boolean; quiet: boolean}): Promise<number> {
  const paths = marPaths()
  let client = await probeDaemon(paths)
  const already = client !== null
  if (!client) {
    await startDaemon(paths, undefined, {allowFull: true})
    client = await probeDaemon(paths)
  }
  if (!client) throw new MarError('daemon-start-failed', 'the daemon did not answer after starting', {exitCode: ExitCode.daemon})
  try {
    const info = await client.call('ping', {})
    if (options.json) process.stdout.write(`${JSON.stringify({started: !already, ...info}, null, 2)}\n`)
    else if (!options.quiet) process.stdout.write(`${already ? 'the daemon is already running' : 'daemon started'} (pid ${info.pid}, ${info.home})\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function daemonStop(options: {keep: boolean; json: boolean; quiet: boolean}): Promise<number> {
  const paths = marPaths()
  const client = await probeDaemon(paths)
  if (!client) {
    if (options.json) process.stdout.write(`${JSON.stringify({stopped: false, running: false}, null, 2)}\n`)
    else if (!options.quiet) process.stdout.write('the daemon is not running\n')
    return 0
  }
  const pid = client.peer.pid
  try {
    await client.call('daemon-stop', {keep: Boolean(options.keep)})
  } finally {
    client.close()
  }
  // Wait for the process to be gone, with a generous deadline: stacks stop first.
  const deadline = Date.now() + 120_000
  while (isRunning(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  if (isRunning(pid)) throw new MarError('daemon-stop-timeout', `the daemon (pid ${pid}) is still stopping after 120s`, {hint: `see ${paths.daemonLog}`})
  if (options.json) process.stdout.write(`${JSON.stringify({stopped: true, keep: options.keep, pid}, null, 2)}\n`)
  else if (!options.quiet) process.stdout.write(`daemon stopped (pid ${pid})${options.keep ? '; services left running for the next daemon' : ''}\n`)
  return 0
}

export async function daemonStatus(options: {json: boolean}): Promise<number> {
  const paths = marPaths()
  const client = await probeDaemon(paths)
  if (!client) {
    if (options.json) process.stdout.write(`${JSON.stringify({running: false, home: paths.home}, null, 2)}\n`)
    else process.stdout.write(`the daemon is not running (MAR_HOME ${paths.home})\n`)
    return ExitCode.daemon
  }
  try {
    const info = await client.call('ping', {})
    if (options.json) process.stdout.write(`${JSON.stringify({running: true, ...info}, null, 2)}\n`)
    else {
      const uptime = formatUptime(Date.now() - Date.parse(info.startedAt))
      process.stdout.write(
        [
          `running: pid ${info.pid}, up ${uptime}, mar ${info.version}`,
          `home: ${info.home}`,
          `stacks: ${info.stacks}, instances: ${info.instances}`,
          `containment: ${info.containment}`,
          `log: ${paths.daemonLog}`,
        ].join('\n') + '\n',
      )
    }
  } finally {
    client.close()
  }
  return 0
}
