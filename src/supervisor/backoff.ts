// Restart timing as pure functions of the attempt number and the history,
// so unit tests check exact sequences without waiting.
import type {BackoffSpec, RestartLimit} from './spec.js'

/** How much jitter takes off a delay at most: delays land in [0.8·d, d]. */
export const JITTER = 0.2

/**
 * Delay before restart number `attempt` (1-based) of an instance that keeps
 * failing: initial·factor^(attempt-1), capped at max, minus up to 20 %
 * jitter so that a crashed fleet does not restart in lockstep.
 */
export function backoffDelay(attempt: number, spec: BackoffSpec, random: () => number = Math.random): number {
  if (attempt < 1 || spec.initialMs <= 0) return 0
  const raw = spec.initialMs * Math.pow(Math.max(1, spec.factor), attempt - 1)
  const capped = Math.min(spec.maxMs, raw)
  return Math.round(capped * (1 - JITTER * random()))
}

/**
 * An instance that stayed up this long is considered recovered: its next
 * crash starts the backoff sequence from the beginning again.
 */
export function recoveryTime(spec: BackoffSpec): number {
  return Math.min(60_000, Math.max(10_000, spec.maxMs))
}

/** Restart times within the limit's window; pure: returns the pruned list. */
export function pruneWindow(times: readonly number[], now: number, limit: RestartLimit): number[] {
  return times.filter((t) => now - t < limit.windowMs)
}

/** Whether one more restart now stays within `limit` (N restarts per window). */
export function withinLimit(times: readonly number[], now: number, limit: RestartLimit | undefined): boolean {
  if (!limit) return true
  return pruneWindow(times, now, limit).length < limit.count
}
