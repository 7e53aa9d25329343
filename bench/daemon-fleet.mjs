// 200 `sleep 600` instances: start, status, resident memory and stop —
// mar (a daemon already running in a fresh MAR_HOME) against the baseline
// (bench/baseline/spawn-many.mjs, the least a Node manager must do).
// Both are timed from outside, from just before their process is spawned:
//   start:    `mar up` until it exits; and until N `sleep` processes are
//             children of the daemon (watched in /proc) — for the baseline,
//             until it prints "spawned", and until N `sleep` are its children.
//             Twice per round: the first `mar up` of the config (nothing
//             cached, no log directories) and, after a `mar down`, again
//             (the plan cached, the log directories there): a stack
//             restarted, the everyday case.
//   stop:     `mar down` until it exits, and until no `sleep` child is left —
//             for the baseline, `node signal.mjs PID` (one node start, like
//             the CLI) until the baseline has stopped all by process group
//             and exited, and until no `sleep` child is left.
//   memory:   VmRSS of the daemon / the baseline holding N, after settling.
//   status:   `mar status --json` vs `node -e 0`, median of 15.
// The goal rows run mar's daemon with process groups (MAR_CGROUPS=0): the
// baseline's job. A cgroup per instance costs a shell per start to enter
// it; one extra round measures that and is shown beside.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {mar as marBin, median, timeCommand} from './lib.mjs'
import {MarHome} from './mar-home.mjs'
import {childCounter, cleanEnv, cpuTimes, killTree, removeLater, rssOf, run, sleep, waitUntil} from './proc.mjs'

const here = new URL('.', import.meta.url).pathname
/** Long enough for the daemon's first usage sample (every 2 s) and for the heap to settle. */
export const SETTLE_MS = 3000

/** The fleet's command as mar.yaml writes it; BENCH_FLEET_CMD='[sleep, "600"]' tries the argv form. */
const fleetCommand = () => process.env.BENCH_FLEET_CMD ?? '"sleep 600"'

/** `mar up` until it returns and until n sleeps run; then `mar down` until it returns and none is left. */
async function upAndDown(home, daemon, cwd, n, between = async () => {}) {
  const count = childCounter(daemon, 'sleep')
  const cpu0 = cpuTimes(daemon)
  const up = home.start(['up'], cwd)
  const running = waitUntil(() => count() >= n, {since: up.began, what: `${n} sleep processes under the mar daemon`})
  const upDone = await up.exited
  if (upDone.code !== 0) throw new Error(`mar up exited ${upDone.code}: ${upDone.stderr.slice(-2000)}`)
  const allRunning = await running
  const cpu1 = cpuTimes(daemon)
  const extra = await between()
  const cpuBeforeDown = cpuTimes(daemon)
  const down = home.start(['down'], cwd)
  const gone = waitUntil(() => count() === 0, {since: down.began, what: 'the last sleep under the mar daemon to go'})
  const downDone = await down.exited
  if (downDone.code !== 0) throw new Error(`mar down exited ${downDone.code}: ${downDone.stderr.slice(-2000)}`)
  const noneLeft = await gone
  const cpu2 = cpuTimes(daemon)
  // CPU (ms): the daemon while starting, while stopping, and its children's whole lives (reaped by the stop).
  const cpu = {startMs: cpu1.self - cpu0.self, idleMs: cpuBeforeDown.self - cpu1.self, stopMs: cpu2.self - cpuBeforeDown.self, childrenMs: cpu2.children - cpu0.children}
  return {firstMs: count.firstAt - up.began, upMs: upDone.ms, runningMs: allRunning.ms, downMs: downDone.ms, goneMs: noneLeft.ms, cpu, ...extra}
}

export async function marFleet(n, {status = false, cgroups = false, cleanup}) {
  const home = new MarHome('fleet', {cgroups})
  cleanup.add(() => home.teardown())
  try {
    const cwd = home.stack('fleet', `name: fleet\nrunners:\n  s: { cmd: ${fleetCommand()}, scale: ${n} }\n`)
    const daemon = await home.startDaemon()
    const info = await home.info()
    const rssIdle = rssOf(daemon)
    const first = await upAndDown(home, daemon, cwd, n, async () => {
      await sleep(SETTLE_MS)
      const rss = rssOf(daemon)
      let statusMs = null
      let nodeMs = null
      if (status) {
        nodeMs = timeCommand([process.execPath, '-e', '0'], {env: home.env})
        statusMs = timeCommand([process.execPath, marBin, 'status', '--json'], {env: home.env, cwd})
      }
      return {rss, statusMs, nodeMs, rssAfterStatus: rssOf(daemon)}
    })
    // Once more in the same MAR_HOME: the plan is cached and the log directories exist.
    const again = await upAndDown(home, daemon, cwd, n)
    return {...first, again, rssIdle, containment: info.containment}
  } finally {
    await home.teardown()
  }
}

export async function baselineFleet(n, {cleanup}) {
  const dir = mkdtempSync(join(tmpdir(), 'mb-base-'))
  const env = cleanEnv()
  const holder = run([process.execPath, join(here, 'baseline/spawn-many.mjs'), String(n), dir, 'sleep', '600'], {env})
  cleanup.add(() => {
    killTree(holder.child.pid)
    removeLater(dir)
  })
  try {
    const count = childCounter(holder.child.pid, 'sleep')
    const spawnedLine = holder.output(/spawned ([\d.]+)/)
    const running = waitUntil(() => count() >= n, {since: holder.began, what: `${n} sleep processes under the baseline`})
    const cpu0 = cpuTimes(holder.child.pid)
    const spawned = await spawnedLine
    const allRunning = await running
    const cpu1 = cpuTimes(holder.child.pid)
    const firstMs = count.firstAt - holder.began

    await sleep(SETTLE_MS)
    const rss = rssOf(holder.child.pid)

    const stoppedLine = holder.output(/stopped ([\d.]+) cpu (\d+) (\d+)/)
    const trigger = run([process.execPath, join(here, 'baseline/signal.mjs'), String(holder.child.pid)], {env})
    const gone = waitUntil(() => count() === 0, {since: trigger.began, what: 'the last sleep under the baseline to go'})
    const cpuBeforeStop = cpuTimes(holder.child.pid)
    const stopped = await stoppedLine
    const exit = await holder.exited
    const cpu2 = {self: Number(stopped.match[2]), children: Number(stopped.match[3])}
    const noneLeft = await gone
    // Node's start-up counts in the start figure, as it does for mar's CLI (the daemon's figure excludes the CLI).
    const cpu = {startMs: cpu1.self, idleMs: cpuBeforeStop.self - cpu1.self, stopMs: cpu2.self - cpuBeforeStop.self, childrenMs: cpu2.children - (cpu0?.children ?? 0)}
    return {
      cpu,
      firstMs,
      upMs: spawned.ms,
      upInsideMs: Number(spawned.match[1]),
      runningMs: allRunning.ms,
      downMs: exit.ms - (trigger.began - holder.began),
      downInsideMs: Number(stopped.match[1]),
      goneMs: noneLeft.ms,
      rss,
    }
  } finally {
    killTree(holder.child.pid)
    removeLater(dir)
  }
}

/** Rounds alternate between the two sides; medians of each figure. One more mar round with a cgroup per instance. */
export async function benchFleet({n = 200, rounds = 3, cleanup, log = () => {}}) {
  const mar = []
  const base = []
  for (let round = 0; round < rounds; round++) {
    base.push(await baselineFleet(n, {cleanup}))
    log(`  fleet round ${round + 1}/${rounds}: baseline start ${base.at(-1).upMs.toFixed(0)} ms, stop ${base.at(-1).downMs.toFixed(0)} ms`)
    const m = await marFleet(n, {status: round === 0, cleanup})
    mar.push(m)
    log(`  fleet round ${round + 1}/${rounds}: mar up ${m.upMs.toFixed(0)} ms (running after ${m.runningMs.toFixed(0)}; again ${m.again.runningMs.toFixed(0)}), down ${m.downMs.toFixed(0)} ms`)
  }
  const cgroup = await marFleet(n, {cgroups: true, cleanup})
  log(`  fleet, a cgroup per instance: running after ${cgroup.runningMs.toFixed(0)} ms (again ${cgroup.again.runningMs.toFixed(0)}), none left after ${cgroup.goneMs.toFixed(0)} ms`)
  const med = (list, key) => median(list.map((r) => r[key]))
  const figures = (list) => ({
    firstMs: med(list, 'firstMs'),
    upMs: med(list, 'upMs'),
    runningMs: med(list, 'runningMs'),
    downMs: med(list, 'downMs'),
    goneMs: med(list, 'goneMs'),
  })
  return {
    n,
    rounds,
    containment: mar[0].containment,
    mar: {
      ...figures(mar),
      again: figures(mar.map((r) => r.again)),
      rss: med(mar, 'rss'),
      rssIdle: med(mar, 'rssIdle'),
      rssAfterStatus: mar[0].rssAfterStatus,
      statusMs: mar[0].statusMs,
      command: fleetCommand(),
      runs: mar,
    },
    cgroup: {containment: cgroup.containment, ...figures([cgroup]), again: figures([cgroup.again])},
    baseline: {
      firstMs: med(base, 'firstMs'),
      upMs: med(base, 'upMs'),
      upInsideMs: med(base, 'upInsideMs'),
      runningMs: med(base, 'runningMs'),
      downMs: med(base, 'downMs'),
      downInsideMs: med(base, 'downInsideMs'),
      goneMs: med(base, 'goneMs'),
      rss: med(base, 'rss'),
      nodeMs: mar[0].nodeMs,
      runs: base,
    },
  }
}
