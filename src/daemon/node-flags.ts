// How the daemon's node is started, wherever it is started (mar up in the
// background, or systemd's unit). A long-lived daemon allocates little, but
// V8 would let its young generation grow to 16 MB per semi-space: capped at
// 1 MB, the daemon's RSS with 200 instances drops by ~15 MB for a few more
// (sub-millisecond) scavenges — and a smaller daemon forks its instances
// faster, since fork copies page tables.
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1']

/**
 * The daemon's own environment additions. glibc gives each thread (libuv's
 * pool, V8's helpers) its own malloc arena; one arena keeps ~4 MB of RSS
 * that several would hold. Instances do not inherit it: their environment
 * comes from the plan.
 */
export const DAEMON_ENV: Record<string, string> = {MALLOC_ARENA_MAX: '1'}
