// Whether a group's depends_on condition holds, judged from its instances'
// statuses: what a reload waits for before it restarts a dependent, and
// the words of a dependent's `dependency-waiting` reason ("waiting for db
// (pg.1 not ready yet: …)").
import type {DependencyCondition} from '../config/types.js'
import {describeExit} from '../supervisor/errors.js'
import type {InstanceStatus} from './instance-status.js'

/** Met; or not (yet): with what failed, or which instance it waits for and why. */
export type Outcome = {met: true} | {met: false; failed?: string; waiting?: string}

/** Whether `condition` holds for a group, judged from its instances' statuses (those a user stopped do not count, as at `up`). */
export function dependencyOutcome(instances: Iterable<InstanceStatus>, condition: DependencyCondition): Outcome {
  let waiting: string | undefined
  const wait = (s: InstanceStatus, what: string) => (waiting ??= `${s.name} ${what}`)
  for (const s of instances) {
    if (s.reasonCode === 'stopped-by-user' || s.reasonCode === 'not-targeted') continue
    const failed = failure(s)
    if (failed) return {met: false, failed}
    if (s.oneshot) {
      const done = s.state === 'exited' && (s.lastExit?.code ?? 0) === 0
      if (condition === 'started' ? !(done || s.pid !== null) : !done) wait(s, s.pid !== null ? 'still running' : `not run yet (${s.state})`)
    } else {
      const up = s.pid !== null && (s.state === 'running' || s.state === 'ready' || s.state === 'unhealthy')
      const ready = s.state === 'ready' || (up && s.ready === null)
      if (condition === 'ready' ? !ready : !up) wait(s, up ? `not ready yet${s.ready?.message ? `: ${s.ready.message}` : ''}` : `not up yet (${s.state})`)
    }
  }
  return waiting ? {met: false, waiting} : {met: true}
}

/** What makes an instance a failed dependency: it ended for good (a retry in backoff is still pending). */
function failure(s: InstanceStatus): string | undefined {
  const exit = s.lastExit ? (s.lastExit.signal ? `killed by ${s.lastExit.signal}` : `exit ${describeExit(s.lastExit)}`) : (s.reason ?? 'no reason given')
  if (s.state === 'failed') return `${s.name} failed: ${s.lastExit ? exit : (s.reason ?? exit)}`
  if (s.state === 'crashed') return `${s.name} failed: ${exit}`
  if (s.oneshot && s.state === 'exited' && (s.lastExit?.code ?? 0) !== 0) return `${s.name} failed: ${exit}`
  if (s.state === 'stopped' && s.oneshot === false && s.reasonCode === 'group-failed') return `${s.name} stopped: ${s.reason}`
  return undefined
}


/** Why a group waits, in words: its first unmet dependency and what that waits on; null when none is unmet. */
export function waitingReason(dependsOn: readonly {group: string; condition: DependencyCondition}[], statusesOf: (group: string) => Iterable<InstanceStatus>): string | null {
  for (const dep of dependsOn) {
    const outcome = dependencyOutcome(statusesOf(dep.group), dep.condition)
    if (!outcome.met) return `waiting for ${dep.group} (${outcome.failed ?? outcome.waiting ?? dep.condition})`
  }
  return null
}
