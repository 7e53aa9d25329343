import {clientForStack} from '../api/connect.js'
import type {DownReply} from '../api/protocol.js'
import {MarError} from '../util/errors.js'
import {splitByStack, stackRefFor} from './stack-ref.js'
import {printOutcomes, type OpOptions} from './target-ops.js'

export async function runDown(targets: string[], options: OpOptions & {keep?: boolean}): Promise<number> {
  // "shop/" (or "shop/shop") names a whole stack from anywhere.
  const normalized = targets.map((t) => (t.endsWith('/') ? t.slice(0, -1) + '/' + t.slice(0, -1) : t))
  const groups = splitByStack(normalized, await stackRefFor(options.config))
  const outcomes: DownReply[] = []
  for (const {ref, targets: stackTargets} of groups) {
    let client
    try {
      client = await clientForStack(ref, {start: false})
    } catch (error) {
      if (!(error instanceof MarError) || error.code !== 'daemon-unreachable') throw error
      if (!options.json && !options.quiet) process.stdout.write('the mar daemon is not running: nothing to stop\n')
      continue
    }
    let result: DownReply
    try {
      result = await client.call('down', {stack: ref, targets: stackTargets, ...(options.keep ? {keep: true} : {})})
    } catch (error) {
      // Like `docker compose down`: a stack that is not up is already down.
      if (!(error instanceof MarError) || error.code !== 'stack-not-up') throw error
      if (!options.json && !options.quiet) process.stdout.write(`${error.message}: nothing to stop\n`)
      continue
    } finally {
      client.close()
    }
    outcomes.push(result)
    if (result.removed && !options.json && !options.quiet) process.stdout.write(`stack ${result.stack} is down (${downSummary(result.results)})\n`)
    // What became of instances on hosts that could not be reached is worth a line each.
    if (result.removed && !options.json) result.results = result.results.filter((r) => r.message !== 'stopped' && r.message !== 'was not running')
  }
  return printOutcomes(outcomes, options)
}

/** `2 instances stopped`, or `1 instance stopped, 3 were not running`. */
function downSummary(results: DownReply['results']): string {
  const stopped = results.filter((r) => r.message === 'stopped').length
  const idle = results.filter((r) => r.message === 'was not running').length
  const parts = [`${stopped} instance${stopped === 1 ? '' : 's'} stopped`]
  if (idle > 0) parts.push(`${idle} ${idle === 1 ? 'was' : 'were'} not running`)
  return parts.join(', ')
}
