// start / stop / restart / signal / down: send one request per stack the
// targets address, print one line per instance, exit 1 if any failed.
import type {TargetResult} from '../api/protocol.js'
import type {DaemonClient} from '../api/client.js'
import {connectDaemon} from './daemon-launch.js'
import {splitByStack, stackRefFor} from './stack-ref.js'
import {createPaint} from '../util/colors.js'
import {ExitCode} from '../util/errors.js'
import {parseSignal} from '../api/signals.js'

export interface OpOptions {
  config?: string
  json: boolean
  color: boolean
  quiet: boolean
}

export interface OpOutcome {
  stack: string
  results: TargetResult[]
}

type Op = 'start' | 'stop' | 'restart' | 'signal'

export async function runTargetOp(op: Op, targets: string[], options: OpOptions, signal?: string): Promise<number> {
  // A bad signal is a usage error whether or not the daemon runs.
  if (op === 'signal') signal = parseSignal(signal)
  const groups = splitByStack(targets, await stackRefFor(options.config))
  const client = await connectDaemon({start: false})
  try {
    const outcomes: OpOutcome[] = []
    for (const {ref, targets: stackTargets} of groups) {
      const request =
        op === 'signal' ? {type: op, stack: ref, targets: stackTargets, signal: signal!} : {type: op, stack: ref, targets: stackTargets}
      outcomes.push(await client.request<OpOutcome>(request as Parameters<DaemonClient['request']>[0]))
    }
    return printOutcomes(outcomes, options)
  } finally {
    client.close()
  }
}

export function printOutcomes(outcomes: OpOutcome[], options: OpOptions): number {
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
