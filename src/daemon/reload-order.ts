// A reload (or `up` of a running stack) applies its changes in dependency
// order, under the same conditions as `up`: a group whose dependency this
// reload re-runs waits until that dependency is `completed` / `ready` /
// `started` again before its own instances (re)start, and when the
// dependency now fails its instances are not touched: what runs keeps
// running as it was, and the change is reported as blocked, with the cause.
// (A migration that fails must not be followed by the new web server, nor
// take the old one down.)
import type {BlockedChange, ReloadStep} from '../api/protocol.js'
import type {DependencyCondition} from '../config/types.js'
import type {Outcome} from './dependency-state.js'

export interface OrderedApply {
  /** (Re)start these instances of a group; resolves once each is ready or ended. */
  apply(group: string, instances: string[]): Promise<void>
  /** The group's condition now. */
  outcome(group: string, condition: DependencyCondition): Outcome
  /** Resolves at the next status change of any instance (or rejects when the operation is cancelled). */
  nextChange(): Promise<void>
}

/** Run the steps, each group once the re-run dependencies it waits for are met; returns what was blocked. */
export async function applyInOrder(steps: readonly ReloadStep[], ops: OrderedApply): Promise<BlockedChange[]> {
  const blocked: BlockedChange[] = []
  const done = new Map<string, Promise<string | null>>()
  const waitFor = async (dep: ReloadStep['after'][number]): Promise<string | null> => {
    const upstream = await done.get(dep.group)
    if (upstream) return `dependency ${dep.group} was not reloaded (${upstream})`
    for (;;) {
      const outcome = ops.outcome(dep.group, dep.condition)
      if (outcome.met) return null
      if (outcome.failed) return `dependency ${dep.group} failed (${outcome.failed})`
      await ops.nextChange()
    }
  }
  for (const step of steps) {
    done.set(
      step.group,
      (async () => {
        for (const dep of step.after) {
          const cause = await waitFor(dep)
          if (cause === null) continue
          for (const instance of step.instances) blocked.push({instance, reason: cause, reasonCode: 'dependency-failed'})
          return cause
        }
        await ops.apply(step.group, step.instances)
        return null
      })(),
    )
  }
  await Promise.all(done.values())
  return blocked
}
