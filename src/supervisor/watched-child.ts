// The scaffolding of wrappers that watch a running inner runner (liveness,
// memory limit): start it as a child, pass a stop request on to it, and
// provide a signal that aborts when either the child ends or the wrapper is
// asked to stop — the signal the wrapper's watch loop sleeps on.
import {STOPPING} from './clock.js'
import {start, type Process, type RunContext, type Runner, type StartOptions} from './runner.js'

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
