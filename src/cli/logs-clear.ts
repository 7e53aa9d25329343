// `mar logs --clear [STACK]`: delete a stack's stored output. The daemon
// does it when it runs (it refuses while the stack is up, and nothing can
// come up half-way through); with no daemon, this process does, under the
// same rules (src/daemon/log-prune.ts).
import {probeDaemon} from '../api/connect.js'
import {marPaths} from '../api/home.js'
import type {ClearLogsReply} from '../api/protocol.js'
import {ExitCode, MarError} from '../util/errors.js'
import {formatBytes} from '../util/format.js'
import {callNewer} from './call-newer.js'
import {loadPlanOrThrow} from './load-plan.js'

export interface ClearOptions {
  config?: string
  json: boolean
  quiet: boolean
}

export async function runClearLogs(args: string[], options: ClearOptions): Promise<number> {
  if (args.length > 1) throw new MarError('bad-flag', `--clear takes one stack, not ${args.length} (${args.join(' ')})`, {hint: 'mar logs --clear [STACK]; without STACK, the stack of this directory', exitCode: ExitCode.usage})
  const named = args[0]?.replace(/\/+$/, '')
  if (named !== undefined && (named === '' || named.includes('/'))) throw new MarError('bad-flag', `--clear ${args[0]}: name a stack, not a target`, {hint: 'mar logs --clear shop', exitCode: ExitCode.usage})
  const stack = named ?? (await loadPlanOrThrow(options.config, process.cwd(), {warn: () => {}})).name
  let reply: ClearLogsReply
  const daemon = await probeDaemon()
  if (daemon) {
    try {
      reply = await callNewer(daemon, 'clear-logs', {stack})
    } finally {
      daemon.close()
    }
  } else {
    const {clearStackLogs} = await import('../daemon/log-prune.js')
    reply = await clearStackLogs(marPaths(), stack, {role: 'daemon', inUse: () => false})
  }
  if (options.json) process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`)
  else if (!options.quiet) process.stdout.write(reply.removed ? `cleared the stored logs of ${reply.stack} (${formatBytes(reply.bytes)})\n` : `no stored logs of ${reply.stack}: nothing to clear\n`)
  return 0
}
