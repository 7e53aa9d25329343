// Defaults of `mar up` that both the oclif command (src/commands/up.ts) and
// the fast path (src/cli/fast.ts) need. Kept free of imports so that either
// bundle inlines it instead of loading up-daemon.ts just for a constant.

/** How long `mar up` waits for its targets by default (--timeout). */
export const UP_TIMEOUT_DEFAULT = '120s'
