// `scale` for this session (the TUI's `+`/`-`): a runner's new instances are
// planned from the stack's file, as `up` planned the others — each with its
// own PORT, MAR_INSTANCE and whatever of the file uses them — in the
// environment the stack was started with; only that runner changes, the
// rest of the running plan stays as it is (a file edited since is not
// applied: that is what reload is for).
import {LIMITS} from '../config/limits.js'
import {allInstances, type StackPlan} from '../config/types.js'
import {MarError} from '../util/errors.js'

export async function rescaledPlan(plan: StackPlan, runner: string, scale: number): Promise<StackPlan> {
  if (!Number.isInteger(scale) || scale < 0 || scale > LIMITS.instances) throw new MarError('bad-request', `scale must be a whole number from 0 to ${LIMITS.instances}`)
  const current = plan.groups.flatMap((g) => g.runners).find((r) => r.name === runner)
  if (!current) throw new MarError('unknown-target', `no runner ${runner} in stack ${plan.name}`)
  const {loadStack} = await import('../config/load.js')
  const result = await loadStack({cwd: plan.dir, configPath: plan.configPath, env: startedEnv(plan), scale: {[runner]: scale}})
  if (!result.ok) throw new MarError('config-invalid', `cannot plan ${runner} again from ${plan.configPath}: ${result.errors[0]?.message ?? 'the file is not valid now'}`, {hint: 'fix the file, then mar reload'})
  const fresh = result.plan.groups.flatMap((g) => g.runners).find((r) => r.name === runner)
  if (!fresh) throw new MarError('unknown-target', `runner ${runner} is no longer in ${plan.configPath}`, {hint: 'mar reload applies the file as it is now'})
  const {stackEnvKeys} = await import('../config/describe-plan.js')
  const env = startedEnv(plan)
  const kept = new Map(current.instances.map((i) => [i.name, i]))
  // What runs keeps its plan (no restart); only the new instances come from the file.
  const instances = fresh.instances.map((i) => kept.get(i.name) ?? {...i, envKeys: stackEnvKeys(i, env)})
  return {
    ...plan,
    groups: plan.groups.map((g) => ({...g, runners: g.runners.map((r) => (r.name === runner ? {...r, scale, instances} : r))})),
  }
}

/** The shell environment the stack was started with: an instance's environment without what the stack itself sets. */
function startedEnv(plan: StackPlan): Record<string, string> {
  const instance = allInstances(plan)[0]
  if (!instance) return {...process.env} as Record<string, string>
  const own = new Set(instance.envKeys ?? [])
  return Object.fromEntries(Object.entries(instance.env).filter(([key]) => !own.has(key)))
}
