// `npm run bench`: every speed and memory goal, as ratios against a baseline
// measured in the same run. BENCH_ONLY=startup,daemon picks sections.
import {benchStartup} from './startup.mjs'

const only = new Set((process.env.BENCH_ONLY ?? 'startup,daemon').split(','))
if (only.has('startup')) benchStartup()
if (only.has('daemon')) {
  const {benchDaemon} = await import('./daemon.mjs').catch(() => ({benchDaemon: null}))
  if (benchDaemon) await benchDaemon()
}
