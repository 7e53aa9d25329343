// What to do when an instance's program ends: a pure function of the
// policy, the outcome and the history, so every branch is unit-tested
// without processes or time.
//
// Policy (per runner) says whether an exit calls for a restart, like OTP's
// restart types: always = permanent, on-failure = transient, never =
// temporary. A oneshot that exits 0 has completed, whatever the policy.
import type {RestartLimit, RestartSpec} from './spec.js'
import {backoffDelay, pruneWindow, recoveryTime, withinLimit} from './backoff.js'

export type Decision =
  /** Ended as it should (oneshot done, or exit 0 where that is allowed). */
  | {action: 'done'}
  /** Ended badly but the policy says leave it (never). */
  | {action: 'leave'}
  | {action: 'restart'; delayMs: number; attempt: number}
  /** A restart is due but a restart limit is spent. */
  | {action: 'give-up'; reason: string; scope: 'instance' | 'group'}
  /** It cannot start, and no restart can change that (a program that is missing or not executable). */
  | {action: 'fail'}

export interface DecisionInput {
  restart: RestartSpec
  oneshot: boolean
  /** The program exited 0 (for an adopted process the status is unknown: false). */
  succeeded: boolean
  /** It failed in a way no retry can heal (errors.ts, permanentFailure). */
  permanent?: boolean
  /** Crashes in a row before this one (the backoff attempt is this + 1). */
  consecutiveFailures: number
  /** How long it had been running, ms. */
  uptimeMs: number
  now: number
  /** This instance's own restarts, ms timestamps (for restart.limit). */
  instanceRestarts: readonly number[]
  /** Every restart in its group (for the group's intensity). */
  groupRestarts: readonly number[]
  groupLimit?: RestartLimit
  random?: () => number
}

export function formatLimit(limit: RestartLimit): string {
  const window = limit.windowMs % 60_000 === 0 ? `${limit.windowMs / 60_000}m` : `${limit.windowMs / 1000}s`
  return `${limit.count}/${window}`
}

export function decideRestart(input: DecisionInput): Decision {
  const {restart} = input
  if (input.succeeded && (input.oneshot || restart.policy !== 'always')) return {action: 'done'}
  // Before the policy: even under `never`, a program that cannot start is `failed`, not `crashed`.
  if (input.permanent) return {action: 'fail'}
  if (restart.policy === 'never') return {action: 'leave'}
  if (!withinLimit(input.instanceRestarts, input.now, restart.limit)) {
    return {action: 'give-up', scope: 'instance', reason: `restart limit ${formatLimit(restart.limit!)} reached`}
  }
  if (!withinLimit(input.groupRestarts, input.now, input.groupLimit)) {
    return {action: 'give-up', scope: 'group', reason: `group restart limit ${formatLimit(input.groupLimit!)} reached`}
  }
  const recovered = input.uptimeMs >= recoveryTime(restart.backoff)
  const attempt = recovered ? 1 : input.consecutiveFailures + 1
  return {action: 'restart', attempt, delayMs: backoffDelay(attempt, restart.backoff, input.random)}
}

/** Add a restart at `now` to a history, dropping what left the window. */
export function recordRestart(times: readonly number[], now: number, limit: RestartLimit | undefined): number[] {
  const kept = limit ? pruneWindow(times, now, limit) : times.slice(-100)
  return [...kept, now]
}
