import {createPaint, type Paint} from '../util/colors.js'
import {ExitCode} from '../util/errors.js'
import {clientForStack} from '../api/connect.js'
import type {PlanChange, ReloadReply, ReloadStep} from '../api/protocol.js'
import {allInstances} from '../config/types.js'
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
  const blocked = result.blocked ?? []
  const code = blocked.length > 0 ? ExitCode.failed : ExitCode.ok
  if (options.json) {
    process.stdout.write(`${JSON.stringify({stack: plan.name, dryRun: options.dryRun, ...result}, null, 2)}\n`)
    return code
  }
  const paint = createPaint(options.color)
  const lines: string[] = []
  // Where each change happens, once the stack has hosts besides local (a daemon from before placement does not say; the new plan does).
  const planned = new Map(allInstances(plan).map((i) => [i.name, i.host]))
  const hostOf = (change: PlanChange) => change.host ?? planned.get(change.instance)
  const showHosts = plan.hosts.length > 1 || result.changes.some((c) => c.fromHost || (hostOf(c) ?? 'local') !== 'local')
  const on = (change: PlanChange) => {
    const host = hostOf(change)
    if (!showHosts || !host) return ''
    return change.fromHost ? `  moves ${change.fromHost} → ${host}` : `  on ${host}`
  }
  for (const change of result.changes) {
    if (change.change === 'added') lines.push(paint('green', `+ ${change.instance}  added${on(change)}`))
    else if (change.change === 'removed') lines.push(paint('red', `- ${change.instance}  removed${on(change)}`))
    else lines.push(paint('yellow', `~ ${change.instance}  changed: ${change.fields?.join(', ')}${on(change)}`))
  }
  if (result.structural.length > 0) lines.push(`the stack ${options.dryRun ? 'would restart' : 'restarted'} as a whole: ${result.structural.join('; ')}`)
  else if (result.steps?.some((step) => step.after.length > 0)) lines.push(...orderLines(result.steps, paint))
  for (const b of blocked) lines.push(paint('red', `✗ ${b.instance}  not reloaded: ${b.reason} — it runs on as before; fix it and run mar reload again`))
  if (lines.length === 0) lines.push(`${plan.name}: no changes`)
  else if (options.dryRun) lines.push(paint('gray', 'dry run: nothing was changed'))
  if (!options.quiet || result.changes.length > 0) process.stdout.write(`${lines.join('\n')}\n`)
  return code
}

/** The order of the (re)starts, when a group waits for a dependency the reload re-runs. */
function orderLines(steps: ReloadStep[], paint: Paint): string[] {
  return [
    paint('gray', 'in this order:'),
    ...steps.map((step, i) => {
      const after = step.after.length > 0 ? ` — after ${step.after.map((d) => `${d.group} is ${d.condition}`).join(', ')}` : ''
      return `  ${i + 1}. ${step.group}: ${step.instances.join(', ')}${after}`
    }),
  ]
}
