// start / stop / restart / signal / down: send one request per stack the
// targets address, print one line per instance, exit 1 if any failed.
import type {TargetsReply} from '../api/protocol.js'
import {clientForStack} from '../api/connect.js'
import {requireSignal} from '../api/signals.js'
import {splitByStack, stackRefFor} from './stack-ref.js'
import {createPaint} from '../util/colors.js'
import {ExitCode} from '../util/errors.js'

export interface OpOptions {
  config?: string
  json: boolean
  color: boolean
  quiet: boolean
}

type Op = 'start' | 'stop' | 'restart' | 'signal'

export async function runTargetOp(op: Op, targets: string[], options: OpOptions, signal?: string): Promise<number> {
  // A bad signal is a usage error whether or not the daemon runs.
  const signalName = op === 'signal' ? requireSignal(signal) : undefined
  const groups = splitByStack(targets, await stackRefFor(options.config))
  const outcomes: TargetsReply[] = []
  for (const {ref, targets: stackTargets} of groups) {
    const client = await clientForStack(ref, {start: false})
    try {
      const params = {stack: ref, targets: stackTargets}
      outcomes.push(op === 'signal' ? await client.call('signal', {...params, signal: signalName!}) : await client.call(op, params))
    } finally {
      client.close()
    }
  }
  return printOutcomes(outcomes, options)
}

export function printOutcomes(outcomes: TargetsReply[], options: OpOptions): number {
  const failed = outcomes.some((o) => o.results.some((r) => !r.ok))
  if (options.json) {
    process.stdout.write(`${JSON.stringify({results: outcomes.flatMap((o) => o.results.map((r) => ({stack: o.stack, ...r})))}, null, 2)}\n`)
  } else {
    const paint = createPaint(options.color)
    const width = Math.max(0, ...outcomes.flatMap((o) => o.results.map((r) => r.instance.length)))
    for (const outcome of outcomes) {
      for (const result of outcome.results) {
        if (options.quiet && result.ok) continue
        const line = `${result.instance.padEnd(width)}  ${result.ok ? result.message : paint('red', result.message)}`
        ;(result.ok ? process.stdout : process.stderr).write(`${line}\n`)
      }
    }
  }
  return failed ? ExitCode.failed : ExitCode.ok
}
