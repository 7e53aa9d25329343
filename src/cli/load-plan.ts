// Load the stack for a command: the config file (-c or discovered) planned
// against this shell's environment; an invalid config becomes the
// MarError whose lines the base command prints (exit 2). A plan whose
// inputs have not changed comes from the plan cache (plan-cache.ts) without
// loading the YAML parser or the schema at all.
import {discoverConfig} from '../config/discover.js'
import {allInstances, type StackPlan} from '../config/types.js'
import type {LoadResult} from '../config/load.js'
import {marHome} from '../api/home.js'
import {configCode} from './config-code.js'
import {planCachePath, readCachedPlan, writeCachedPlan} from './plan-cache.js'

export interface LoadPlanOptions {
  /** Where config warnings go (stderr by default); they are printed on every load, cached or not. */
  warn?: (message: string) => void
}

/**
 * This shell's environment as a plain object. process.env is a proxy whose
 * every read calls into C++: planning 200 instances read it some 16 000
 * times (about 5 ms); one copy is read instead.
 */
export function shellEnv(): NodeJS.ProcessEnv {
  return {...process.env}
}

export async function loadPlanOrThrow(configPath: string | undefined, cwd = process.cwd(), options: LoadPlanOptions = {}): Promise<StackPlan> {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`mar: warning: ${message}\n`))
  const env = shellEnv()
  const found = await discoverConfig(cwd, configPath)
  const cachePath = !('code' in found) ? planCachePath(marHome(), found.file, cwd, configPath) : null
  const cached = cachePath ? readCachedPlan(cachePath, env) : null
  if (cached) {
    for (const warning of cached.warnings) warn(warning)
    return cached.plan
  }

  const [{loadStack}, {configError}] = await Promise.all([configCode(), import('../config/issues.js')])
  const result = await loadStack({cwd, configPath, env})
  if (!result.ok) throw configError(result.errors, cwd)
  for (const warning of result.warnings) warn(warning)
  return rememberPlan(result, cwd, configPath, env)
}

/**
 * Finish a freshly loaded plan for the daemon (which variables each instance
 * got from the stack rather than the shell) and cache it. `mar validate`
 * calls this too, so that the `mar up` after it starts from the cache.
 */
export async function rememberPlan(result: Extract<LoadResult, {ok: true}>, cwd: string, configPath: string | undefined, env: NodeJS.ProcessEnv): Promise<StackPlan> {
  const {stackEnvKeys} = await import('../config/describe-plan.js')
  for (const instance of allInstances(result.plan)) instance.envKeys = stackEnvKeys(instance, env)
  // The plan's configPath is the file discovery found for (cwd, -c): the key loadPlanOrThrow looks up.
  writeCachedPlan(planCachePath(marHome(), result.plan.configPath, cwd, configPath), result.inputs, env, {plan: result.plan, warnings: result.warnings})
  return result.plan
}
