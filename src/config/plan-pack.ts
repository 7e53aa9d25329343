// A plan as it travels and rests — over the protocol, in the plan cache, in
// the daemon's stack files — with the environment its instances share
// written once: most of it (the shell's environment, env files, env) is the
// same for every instance, and each instance keeps only what is its own
// (PORT, MAR_INSTANCE, its runner's env, …). For 200 instances that is a
// fifth of the bytes to write, send and parse. In memory every instance has
// its whole environment again.
import {allInstances, type InstancePlan, type StackPlan} from './types.js'

/** The same shape as a plan; `packed` says instance environments hold only what differs from `sharedEnv`. */
export type PackedPlan = StackPlan & {packed: true; sharedEnv: Record<string, string>}

export function packPlan(plan: StackPlan): PackedPlan {
  const sharedEnv = shared(allInstances(plan))
  return {
    ...plan,
    packed: true,
    sharedEnv,
    groups: plan.groups.map((group) => ({
      ...group,
      runners: group.runners.map((runner) => ({...runner, instances: runner.instances.map((instance) => ({...instance, env: own(instance, sharedEnv)}))})),
    })),
  }
}

/** A plan as it was before packing; a plan that was never packed is returned as it is. */
export function unpackPlan(plan: StackPlan | PackedPlan): StackPlan {
  if (!('packed' in plan) || !plan.packed) return plan
  const {packed: _packed, sharedEnv, ...rest} = plan
  return {
    ...rest,
    groups: plan.groups.map((group) => ({
      ...group,
      runners: group.runners.map((runner) => ({...runner, instances: runner.instances.map((instance) => ({...instance, env: {...sharedEnv, ...instance.env}}))})),
    })),
  }
}

function shared(instances: InstancePlan[]): Record<string, string> {
  const [first, ...others] = instances
  const common: Record<string, string> = {}
  if (!first) return common
  for (const [key, value] of Object.entries(first.env)) if (others.every((i) => i.env[key] === value)) common[key] = value
  return common
}

function own(instance: InstancePlan, sharedEnv: Record<string, string>): Record<string, string> {
  const mine: Record<string, string> = {}
  for (const [key, value] of Object.entries(instance.env)) if (sharedEnv[key] !== value) mine[key] = value
  return mine
}
