// A stack's share sent by a hub (src/remote/share.ts) is written in the
// host's terms: a working directory of `~`, `~/app` or `app` is under the
// home of the user this daemon runs as, which only the host knows.
import {homedir} from 'node:os'
import {join} from 'node:path'
import type {StackPlan} from '../config/types.js'

/** The plan with a share's working directories made absolute here; other plans unchanged. */
export function onThisHost(plan: StackPlan): StackPlan {
  if (plan.baseEnv !== 'daemon') return plan
  const home = homedir()
  const absolute = (cwd: string): string => (cwd.startsWith('/') ? cwd : cwd === '~' ? home : cwd.startsWith('~/') ? join(home, cwd.slice(2)) : join(home, cwd))
  return {
    ...plan,
    dir: absolute(plan.dir),
    groups: plan.groups.map((g) => ({...g, runners: g.runners.map((r) => ({...r, instances: r.instances.map((i) => ({...i, cwd: absolute(i.cwd)}))}))})),
  }
}
