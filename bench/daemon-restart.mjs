// Crash → restart with zero backoff. The program is the same on every side:
//   sh -c 'date +%s%N >> TIMES; exit 1'
// so the gap between two consecutive start times is the program's own life
// (sh and date starting and exiting) plus what the supervisor adds between
// an exit and the next spawn. Sides: mar (restart: always, backoff initial
// 0), the baseline (bench/baseline/respawn.mjs: on exit, spawn again) and a
// floor with no supervisor at all (a shell loop running the same command),
// which estimates the program's own life.
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {median} from './lib.mjs'
import {MarHome} from './mar-home.mjs'
import {cleanEnv, killTree, removeLater, run, runOk, waitUntil} from './proc.mjs'

const here = new URL('.', import.meta.url).pathname
const program = (times) => `date +%s%N >> ${times}; exit 1`

function readTimes(file) {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => BigInt(line))
  } catch {
    return []
  }
}

/** Gaps (ms) between consecutive starts, the first `skip` dropped as warm-up. */
export function gapsOf(times, skip = 5) {
  const gaps = []
  for (let i = 1; i < times.length; i++) gaps.push(Number(times[i] - times[i - 1]) / 1e6)
  return gaps.slice(skip)
}

function summarize(gaps) {
  const sorted = [...gaps].sort((a, b) => a - b)
  return {median: median(gaps), p90: sorted[Math.floor(sorted.length * 0.9)] ?? null, count: gaps.length}
}

export async function marRespawn({count, cleanup}) {
  const home = new MarHome('crash')
  cleanup.add(() => home.teardown())
  try {
    const times = join(home.dir, 'times')
    const cwd = home.stack(
      'crash',
      `name: crash\nrunners:\n  c:\n    cmd: ${JSON.stringify(program(times))}\n    restart: {policy: always, backoff: {initial: 0}}\n`,
    )
    await home.startDaemon()
    // --no-wait: `up` would (rightly) report a crash loop.
    await home.cli(['up', '--no-wait'], cwd)
    await waitUntil(() => readTimes(times).length > count, {everyMs: 20, timeoutMs: 60_000, what: `${count} restarts by mar`})
    await home.cli(['down'], cwd)
    return summarize(gapsOf(readTimes(times).slice(0, count + 1)))
  } finally {
    await home.teardown()
  }
}

export async function baselineRespawn({count, cleanup}) {
  const dir = mkdtempSync(join(tmpdir(), 'mb-respawn-'))
  const times = join(dir, 'times')
  const job = run([process.execPath, join(here, 'baseline/respawn.mjs'), String(count + 1), join(dir, 'logs'), program(times)], {env: cleanEnv()})
  cleanup.add(() => {
    killTree(job.child.pid)
    removeLater(dir)
  })
  try {
    const done = await job.exited
    if (done.code !== 0) throw new Error(`baseline respawn exited ${done.code}: ${done.stderr}`)
    return summarize(gapsOf(readTimes(times)))
  } finally {
    killTree(job.child.pid)
    removeLater(dir)
  }
}

/** The same command run back to back by one shell: no supervisor, just the program's own life. */
export async function floorRespawn({count}) {
  const dir = mkdtempSync(join(tmpdir(), 'mb-floor-'))
  try {
    const times = join(dir, 'times')
    await runOk(['/bin/sh', '-c', `i=0; while [ $i -le ${count} ]; do /bin/sh -c '${program(times)}'; i=$((i+1)); done`], {env: cleanEnv(), allow: [1]})
    return summarize(gapsOf(readTimes(times)))
  } finally {
    removeLater(dir)
  }
}

export async function benchRespawn({count = 200, cleanup, log = () => {}}) {
  const floor = await floorRespawn({count})
  const baseline = await baselineRespawn({count, cleanup})
  const mar = await marRespawn({count, cleanup})
  log(`  respawn gaps (median): floor ${floor.median.toFixed(2)} ms, baseline ${baseline.median.toFixed(2)} ms, mar ${mar.median.toFixed(2)} ms`)
  return {count, floor, baseline, mar}
}
