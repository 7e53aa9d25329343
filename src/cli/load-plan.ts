// Load the stack for a command: the config file (-c or discovered) planned
// against this shell's environment; an invalid config becomes the
// MarError whose lines the base command prints (exit 2).
import {configError} from '../config/issues.js'
import {loadStack} from '../config/load.js'
import type {StackPlan} from '../config/types.js'
import {stackEnvKeys} from '../config/describe-plan.js'

export async function loadPlanOrThrow(configPath: string | undefined, cwd = process.cwd()): Promise<StackPlan> {
  const result = await loadStack({cwd, configPath, env: process.env})
  if (!result.ok) throw configError(result.errors, cwd)
  for (const group of result.plan.groups) {
    for (const runner of group.runners) for (const instance of runner.instances) instance.envKeys = stackEnvKeys(instance, process.env)
  }
  return result.plan
}
