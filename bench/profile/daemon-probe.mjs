// Preloaded into a daemon under study (node --import this dist/daemon.js),
// so that nothing under src/ changes: on SIGUSR2 it writes the daemon's
// memory figures (and, with MAR_BENCH_SNAPSHOT=1, a heap snapshot) into
// MAR_BENCH_PROBE_DIR, named by the sequence number of the request.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import v8 from 'node:v8'

const dir = process.env.MAR_BENCH_PROBE_DIR
let seq = 0
if (dir) {
  process.on('SIGUSR2', () => {
    const n = ++seq
    // With --expose-gc and MAR_BENCH_GC=1: what is live, without the garbage the last burst left.
    if (process.env.MAR_BENCH_GC === '1' && typeof globalThis.gc === 'function') globalThis.gc()
    const resources = {}
    for (const name of process.getActiveResourcesInfo()) resources[name] = (resources[name] ?? 0) + 1
    const figures = {
      memoryUsage: process.memoryUsage(),
      heap: v8.getHeapStatistics(),
      spaces: v8.getHeapSpaceStatistics().map((s) => ({name: s.space_name, used: s.space_used_size, size: s.space_size})),
      resources,
    }
    if (process.env.MAR_BENCH_SNAPSHOT === '1') figures.snapshot = v8.writeHeapSnapshot(join(dir, `heap-${n}.heapsnapshot`))
    writeFileSync(join(dir, `probe-${n}.json`), JSON.stringify(figures))
  })
}
