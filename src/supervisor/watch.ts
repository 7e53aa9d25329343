// Restart on file changes: chokidar watches the paths; a burst of changes
// within `debounce` causes one restart. chokidar is imported only when a
// runner has `watch`, keeping it out of every other code path.
import type {WatchSpec} from './spec.js'
import {start, type Process, type Runner} from './runner.js'
import {because} from './reasons.js'

export function watch(inner: Runner, spec: WatchSpec, cwd: string): Runner {
  return async (ctx) => {
    const [{watch: watchFiles}, {default: picomatch}] = await Promise.all([import('chokidar'), import('picomatch')])
    const ignored = spec.ignore.length > 0 ? picomatch(spec.ignore, {dot: true}) : null
    const watcher = watchFiles(spec.paths, {
      cwd,
      ignoreInitial: true,
      ignored: ignored ? (path: string) => ignored(relativeTo(cwd, path)) : undefined,
    })
    // A watcher that fails (inotify limit, a vanished path) must not take the
    // instance down: it runs on, unwatched, and says why.
    watcher.on('error', (error: unknown) => {
      ctx.emit({kind: 'instance', name: ctx.name, at: ctx.clock.now(), why: because('watch-failed', `watch: ${(error as Error).message}; files are no longer watched`)})
    })
    await new Promise<void>((resolve) => {
      watcher.once('ready', () => resolve())
      watcher.once('error', () => resolve())
      ctx.signal.addEventListener('abort', () => resolve(), {once: true})
    })
    if (ctx.signal.aborted) {
      await watcher.close()
      return
    }
    let child: Process = start(inner, {name: ctx.name, parent: ctx, onReady: () => ctx.ready()})
    let timer: ReturnType<typeof ctx.clock.setTimeout> | null = null
    let restarting: Promise<void> = Promise.resolve()
    let swapping = false
    const restart = () => {
      timer = null
      restarting = restarting.then(async () => {
        if (ctx.signal.aborted) return
        swapping = true
        ctx.emit({kind: 'instance', name: ctx.name, at: ctx.clock.now(), why: because('files-changed', 'files changed')})
        await child.stop()
        if (!ctx.signal.aborted) {
          ctx.emit({kind: 'instance', name: ctx.name, at: ctx.clock.now(), restarted: true})
          child = start(inner, {name: ctx.name, parent: ctx})
        }
        swapping = false
        wakeLoop()
      })
    }
    watcher.on('all', () => {
      if (timer) ctx.clock.clearTimeout(timer)
      timer = ctx.clock.setTimeout(restart, spec.debounceMs)
    })
    let wakeLoop: () => void = () => {}
    const stop = () => {
      void child.stop()
      wakeLoop()
    }
    ctx.signal.addEventListener('abort', stop, {once: true})
    try {
      // Wait for the current child; a watch restart swaps it, so loop.
      for (;;) {
        const current = child
        const swapped = new Promise<void>((resolve) => (wakeLoop = resolve))
        try {
          await Promise.race([current.exited, swapped])
        } catch (error) {
          if (!swapping && current === child) throw error
        }
        if (ctx.signal.aborted) {
          await restarting
          break
        }
        if (current !== child) continue
        if (swapping) {
          await swapped
          continue
        }
        break
      }
      await child.exited
    } finally {
      if (timer) ctx.clock.clearTimeout(timer)
      ctx.signal.removeEventListener('abort', stop)
      await watcher.close()
    }
  }
}

function relativeTo(cwd: string, path: string): string {
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path
}
