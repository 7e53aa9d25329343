import {probeDaemon} from './daemon-launch.js'
import type {MarError} from '../util/errors.js'
import {marPaths} from '../daemon/paths.js'
import {splitByStack, stackRefFor} from './stack-ref.js'
import {printOutcomes, type OpOptions, type OpOutcome} from './target-ops.js'

export async function runDown(targets: string[], options: OpOptions): Promise<number> {
  // "shop/" (or "shop/shop") names a whole stack from anywhere.
  const normalized = targets.map((t) => (t.endsWith('/') ? t.slice(0, -1) + '/' + t.slice(0, -1) : t))
  const groups = splitByStack(normalized, await stackRefFor(options.config))
  const client = await probeDaemon(marPaths())
  if (!client) {
    if (options.json) process.stdout.write(`${JSON.stringify({results: []}, null, 2)}\n`)
    else if (!options.quiet) process.stdout.write('the mar daemon is not running: nothing to stop\n')
    return 0
  }
  try {
    const outcomes: OpOutcome[] = []
    for (const {ref, targets: stackTargets} of groups) {
      let result: OpOutcome & {removed: boolean}
      try {
        result = await client.request<OpOutcome & {removed: boolean}>({type: 'down', stack: ref, targets: stackTargets})
      } catch (error) {
        // Like `docker compose down`: a stack that is not up is already down.
        if ((error as MarError).code !== 'stack-not-up') throw error
        if (!options.json && !options.quiet) process.stdout.write(`${(error as MarError).message}: nothing to stop\n`)
        continue
      }
      outcomes.push(result)
      const n = result.results.length
      if (result.removed && !options.json && !options.quiet) process.stdout.write(`stack ${result.stack} is down (${n} instance${n === 1 ? '' : 's'} stopped)\n`)
      if (result.removed && !options.json) result.results = []
    }
    return printOutcomes(outcomes, options)
  } finally {
    client.close()
  }
}
