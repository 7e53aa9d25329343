// The bounds of one stack, in one place. `mar validate` refuses what passes
// them in the user's terms; the daemon's own check of a plan
// (src/daemon/check-plan.ts, PLAN_LIMITS) is built from the same numbers, so
// a plan validate accepts is one the daemon accepts, and one `up` can run.
// Each bound keeps a step finite (a read, a parse, a plan) or matches one
// the kernel or Node sets (a path component, an execve, a timer).

export const LIMITS = {
  /** Bytes of the config file: a mar.yaml is kilobytes; this is 200× that. */
  configBytes: 4 * 1024 * 1024,
  /** Bytes of one env file. */
  envFileBytes: 4 * 1024 * 1024,
  /** Nesting of maps and lists in the config: mar's own keys go 7 deep. */
  depth: 64,
  /**
   * Characters of a stack, group, runner or host name. Stack and instance
   * names are path components under MAR_HOME (NAME_MAX: 255 bytes), and the
   * instance name adds `.N`; 100 leaves room for both and for humans.
   */
  nameChars: 100,
  /** Instances of one runner (scale) and of the whole stack. */
  instances: 10_000,
  /** Variables in one instance's environment, the inherited ones included. */
  envKeys: 10_000,
  /** Characters of one string (a command, a value) as the daemon reads it. */
  valueChars: 1024 * 1024,
  /** Longest duration: Node's timers hold at most 2³¹−1 ms (24.8 days); longer ones fire at once. */
  durationMs: 2 ** 31 - 1,
  /**
   * Size of the plan: each instance holds its own environment and values, so
   * scale multiplies a runner's size (10 000 instances of a 200 KB command
   * were 2 GB to plan, and to send to the daemon).
   */
  planBytes: 64 * 1024 * 1024,
} as const

/** The longest duration in the user's terms (596h is a little under 2³¹−1 ms). */
export const DURATION_LIMIT_TEXT = '596h (about 24.8 days)'
