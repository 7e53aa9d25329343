// A host's share of a stack: the plan its daemon gets. Only the instances
// placed there, each in its group but without the group's dependencies and
// with one-for-one restarts — what spans hosts (depends_on, one-for-all,
// rest-for-one, start order) the hub coordinates, starting each instance
// itself — and only what the stack declares: no environment of the machine
// mar was run on crosses to another one (`baseEnv: 'daemon'`: the host's
// own login environment goes under it), and working directories are the
// host's (`dir:`, default the remote home; the plan has them already).
import {hostDir} from './remote-path.js'
import {allInstances, type HostPlan, type InstancePlan, type StackPlan} from '../config/types.js'

/** The share of `plan` for `host`, or null when nothing is placed there. */
export function shareOf(plan: StackPlan, host: HostPlan): StackPlan | null {
  const base = hostDir(host.dir)
  const groups = plan.groups.flatMap((group) => {
    const runners = group.runners.flatMap((runner) => {
      const instances = runner.instances.filter((i) => i.host === host.name).map(onHost)
      return instances.length > 0 ? [{...runner, instances}] : []
    })
    return runners.length > 0 ? [{...group, strategy: 'parallel' as const, restart: {strategy: 'one-for-one' as const}, dependsOn: [], runners}] : []
  })
  if (groups.length === 0) return null
  const names = new Set(groups.map((g) => g.name))
  return {
    name: plan.name,
    configPath: plan.configPath,
    dir: base,
    format: plan.format,
    groups,
    startOrder: plan.startOrder.filter((g) => names.has(g)),
    hosts: [{name: 'local', labels: []}],
    notActedOn: [],
    baseEnv: 'daemon',
  }
}

/** Every host of the plan that some instance is placed on, except this machine. */
export function remoteHostsOf(plan: StackPlan): HostPlan[] {
  const used = new Set(allInstances(plan).map((i) => i.host))
  return plan.hosts.filter((h) => h.ssh !== undefined && used.has(h.name))
}

/** The instance as its host runs it; its cwd is already the host's (src/remote/remote-path.ts: absolute, `~` or `~/…`). */
function onHost(instance: InstancePlan): InstancePlan {
  const declared = new Set(instance.envKeys ?? Object.keys(instance.env))
  const env = Object.fromEntries(Object.entries(instance.env).filter(([key]) => declared.has(key)))
  return {...instance, host: 'local', env, envKeys: [...declared].filter((k) => k in env)}
}
