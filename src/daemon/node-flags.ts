// How the daemon's node is started, wherever it is started (mar up in the
// background, or systemd's unit). The daemon mostly waits for the kernel;
// its memory matters more than its JavaScript speed, and a smaller daemon
// also forks its instances faster (fork copies page tables: 0.96 ms per
// spawn from a 51 MB process, 1.52 ms from 83 MB, measured here).
//   --lite-mode             V8 without its optimizing compiler and its
//                           feedback: 200 instances cost 54 MB, not 61 MB.
//   --max-semi-space-size=1 a young generation of 1 MB instead of up to 16 MB
//                           per semi-space: a few more sub-millisecond
//                           scavenges, ~15 MB less RSS.
//   --no-expose-wasm        the daemon runs no WebAssembly; lite mode would
//                           otherwise warn that it turns wasm off.
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1', '--lite-mode', '--no-expose-wasm']

/**
 * The daemon's own environment additions. glibc gives each thread (libuv's
 * pool, V8's helpers) its own malloc arena; one arena keeps ~4 MB of RSS
 * that several would hold. Instances do not inherit it: their environment
 * comes from the plan.
 */
export const DAEMON_ENV: Record<string, string> = {MALLOC_ARENA_MAX: '1'}
