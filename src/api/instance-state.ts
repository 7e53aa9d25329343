// What an instance's state means to the people and programs waiting on it,
// in one place: `mar up` waits for `isUp`, foreground mode's exit code and
// `mar up`'s report count `isTerminalFailure`.
import type {InstanceInfo} from './protocol.js'

type Facts = Pick<InstanceInfo, 'state' | 'oneshot' | 'ready'>

/** Ready for `mar up` and for dependents: its probe passed, or — without one — it runs; a oneshot exited 0. */
export function isUp(instance: Facts): boolean {
  if (instance.oneshot) return instance.state === 'exited'
  if (instance.state === 'ready') return true
  return instance.ready === null && instance.state === 'running'
}

/** Ended for good: nothing will restart it without a command. */
export function isTerminalFailure(instance: Pick<InstanceInfo, 'state'>): boolean {
  // A crash that will be restarted moves on to `backoff`; one that stays `crashed` was left alone (restart: never).
  return instance.state === 'failed' || instance.state === 'crashed'
}
