// Opening the TUI from a command (`mar ui`, `mar up --ui`): find who runs
// the stack (the daemon, or a `mar up -f` of it), hand the screen a client
// and — so that `R` can reload — a way to load the stack's config the way
// `mar reload` does. The screen itself (src/ui) never loads config.
import type {DaemonClient} from '../api/client.js'
import {clientForStack} from '../api/connect.js'
import type {StackRef} from '../api/protocol.js'
import {packPlan, type PackedPlan} from '../config/plan-pack.js'
import {ExitCode, MarError} from '../util/errors.js'
import {loadPlanOrThrow} from './load-plan.js'

export interface OpenUiOptions {
  readOnly: boolean
  detachOnReady: boolean
  color: boolean
  /** false: no mouse reporting (`--no-mouse`). */
  mouse?: boolean
}

/** The TUI needs a terminal for its keys and its screen; a pipe gets a clear refusal, not a hang. */
export function needTerminal(): void {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new MarError('bad-flag', 'the TUI needs a terminal (stdin and stdout a TTY)', {hint: 'use `mar status` and `mar logs -f` in scripts', exitCode: ExitCode.usage})
  }
}

/** `ref`: the stack to show; null: every stack of the daemon. Returns the exit code. */
export async function openUi(ref: StackRef | null, options: OpenUiOptions): Promise<number> {
  needTerminal()
  const client = await clientForStack(ref, {start: false})
  try {
    return await showOn(client, ref, options)
  } finally {
    client.close()
  }
}

/** The screen's `R`: the stack's config loaded again as `mar reload` loads it. */
export function reloadFrom(config: string): () => Promise<PackedPlan> {
  return async () => packPlan(await loadPlanOrThrow(config, process.cwd(), {warn: () => {}}))
}

/** The screen on a connected client. */
export async function showOn(client: DaemonClient, ref: StackRef | null, options: OpenUiOptions): Promise<number> {
  let stack: string | null = ref?.name ?? null
  let config: string | undefined
  if (ref) {
    // Which stack the directory's config is, and where its config lives (for reload).
    const status = await client.call('status', {})
    const found = status.stacks.find((s) => (ref.name !== undefined ? s.name === ref.name : s.config === ref.config))
    if (!found && ref.name !== undefined) throw new MarError('stack-not-up', `the stack ${ref.name} is not up`, {hint: 'see `mar status`; start it with `mar up`'})
    stack = found?.name ?? null
    config = found?.config ?? ref.config
  }
  const {runUi} = await import('../ui/run-ui.js')
  const end = await runUi({
    client,
    stack,
    readOnly: options.readOnly,
    detachOnReady: options.detachOnReady,
    mouse: options.mouse ?? true,
    color: options.color,
    ...(config !== undefined && !options.readOnly ? {reloadPlan: reloadFrom(config)} : {}),
  })
  if (end.reason === 'lost') {
    process.stderr.write(`mar: the daemon went away: ${end.message}\n`)
    return ExitCode.daemon
  }
  if (end.reason === 'detached' && stack) process.stdout.write(`${stack}: every instance is ready; it keeps running (mar status, mar ui ${stack})\n`)
  return ExitCode.ok
}
