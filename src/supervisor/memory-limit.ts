// Restart an instance whose process tree's resident memory stays above a
// limit (pm2's max_memory_restart, but measured over the whole tree and
// only after it stayed above for several samples, so a spike is forgiven).
import {sleep} from './clock.js'
import {SupervisorCode} from './errors.js'
import {groupMembers, readRss} from './proc.js'
import type {Runner} from './runner.js'
import {failChild, startWatched} from './watched-child.js'
import {formatBytes} from '../util/format.js'

export interface MemoryLimitOptions {
  limitBytes: number
  intervalMs?: number
  /** Consecutive samples above the limit before acting. */
  samples?: number
  /** Tree RSS of the instance whose main pid is given. */
  measure?: (pid: number) => number
}

/** RSS of every live process in the instance's process group (its pid is the group id). */
export function treeRss(pid: number): number {
  return groupMembers(pid).reduce((sum, member) => sum + readRss(member), 0)
}

export function memoryLimit(inner: Runner, options: MemoryLimitOptions): Runner {
  const intervalMs = options.intervalMs ?? 1000
  const samples = options.samples ?? 3
  const measure = options.measure ?? treeRss
  return async (ctx) => {
    let pid: number | null = null
    const {child, watching, release} = startWatched(inner, ctx, {
      onReady: () => ctx.ready(),
      emit: (event) => {
        if (event.kind === 'instance' && event.pid !== undefined) pid = event.pid
        ctx.emit(event)
      },
    })
    try {
      let above = 0
      while (await sleep(ctx.clock, intervalMs, watching)) {
        const rss = pid === null ? 0 : measure(pid)
        above = rss > options.limitBytes ? above + 1 : 0
        if (above < samples) continue
        await failChild(ctx, child, SupervisorCode.memoryLimit, `memory ${formatBytes(rss)} stayed above memory_limit ${formatBytes(options.limitBytes)}`)
      }
      await child.exited
    } finally {
      release()
    }
  }
}
