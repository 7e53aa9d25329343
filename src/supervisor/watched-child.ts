// The scaffolding of wrappers that watch a running inner runner (liveness,
// memory limit): start it as a child, pass a stop request on to it, and
// provide a signal that aborts when either the child ends or the wrapper is
// asked to stop — the signal the wrapper's watch loop sleeps on.
import {MarError, type ErrorCode} from '../util/errors.js'
import {STOPPING} from './clock.js'
import {start, type InstanceEvent, type Process, type RunContext, type Runner, type StartOptions} from './runner.js'
import {because, type ReasonCode} from './reasons.js'

export interface WatchedChild {
  child: Process
  /** Aborts when the child has ended or a stop was requested. */
  watching: AbortSignal
  /** Remove the listeners; call in a finally. */
  release(): void
}

export function startWatched(inner: Runner, ctx: RunContext, options: Pick<StartOptions, 'onReady' | 'emit'> = {}): WatchedChild {
  const child = start(inner, {name: ctx.name, parent: ctx, ...options})
  const watching = new AbortController()
  const onStop = () => {
    watching.abort(STOPPING)
    void child.stop()
  }
  // A stop requested while the wrapper was still setting up has fired already.
  if (ctx.signal.aborted) onStop()
  else ctx.signal.addEventListener('abort', onStop, {once: true})
  void child.exited.finally(() => watching.abort(STOPPING)).catch(() => {})
  return {
    child,
    watching: watching.signal,
    release() {
      ctx.signal.removeEventListener('abort', onStop)
      watching.abort(STOPPING)
    },
  }
}

/**
 * The wrapper found a reason to end its child (a ready probe that failed,
 * memory over the limit, bad health): report it, stop the child, and fail
 * with it, so the restart policy decides what comes next.
 */
export async function failChild(ctx: RunContext, child: Process, code: ErrorCode & ReasonCode, reason: string, event: Pick<InstanceEvent, 'state' | 'health'> = {}): Promise<never> {
  ctx.emit({kind: 'instance', name: ctx.name, at: ctx.clock.now(), ...event, why: because(code, reason)})
  await child.stop()
  throw new MarError(code, reason)
}
