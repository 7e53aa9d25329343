// How long a test waits before it gives up. A deadline is a safety net, not a
// delay: a passing test returns as soon as its condition holds, so a generous
// deadline costs nothing. Every deadline the helpers use (waitFor, a mar
// command, a test's own timeout in vitest.config) is written for an idle
// machine and multiplied here, because CI shares two cores with other work:
// the suite beside two busy loops and two other test runs ran about 4× slower
// than alone and failed a dozen 10-second waits that would have held at 30.
// MAR_TEST_DEADLINE_SCALE=1 gives the idle-machine figures back (a hang then
// shows sooner).
const fromEnv = Number(process.env.MAR_TEST_DEADLINE_SCALE)
export const DEADLINE_SCALE = Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 3

/** An idle machine's deadline, as long as this run allows. */
export function deadline(ms: number): number {
  return Math.round(ms * DEADLINE_SCALE)
}
