import {createPaint} from '../util/colors.js'
import {clientForStack} from '../api/connect.js'
import type {ReloadReply} from '../api/protocol.js'
import {loadPlanOrThrow} from './load-plan.js'
import {packPlan} from '../config/plan-pack.js'

export async function runReload(options: {config?: string; dryRun: boolean; json: boolean; color: boolean; quiet: boolean}): Promise<number> {
  const plan = await loadPlanOrThrow(options.config, process.cwd(), options.quiet ? {warn: () => {}} : {})
  const client = await clientForStack({config: plan.configPath}, {start: false})
  let result: ReloadReply
  try {
    result = await client.call('reload', {plan: packPlan(plan), dryRun: Boolean(options.dryRun)})
  } finally {
    client.close()
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({stack: plan.name, dryRun: options.dryRun, ...result}, null, 2)}\n`)
    return 0
  }
  const paint = createPaint(options.color)
  const lines: string[] = []
  for (const change of result.changes) {
    if (change.change === 'added') lines.push(paint('green', `+ ${change.instance}  added`))
    else if (change.change === 'removed') lines.push(paint('red', `- ${change.instance}  removed`))
    else lines.push(paint('yellow', `~ ${change.instance}  changed: ${change.fields?.join(', ')}`))
  }
  if (result.structural.length > 0) lines.push(`the stack ${options.dryRun ? 'would restart' : 'restarted'} as a whole: ${result.structural.join('; ')}`)
  if (lines.length === 0) lines.push(`${plan.name}: no changes`)
  else if (options.dryRun) lines.push(paint('gray', 'dry run: nothing was changed'))
  if (!options.quiet || result.changes.length > 0) process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
