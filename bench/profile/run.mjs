// node bench/profile/run.mjs fleet|capture|respawn [N]
// Not part of `npm run bench`: the tool behind the bench's findings. It runs
// one daemon scenario with the daemon started by hand under
// `node --cpu-prof --import bench/profile/daemon-probe.mjs dist/daemon.js`
// (and the CLI commands under --cpu-prof), marks the phases with
// CLOCK_MONOTONIC timestamps, and prints per phase where the daemon's and
// the CLI's CPU time went (mapped to src/ through the source maps), plus
// the daemon's memory and a heap-snapshot diff (idle → N instances).
// PROFILE_KEEP=DIR keeps the files; PROFILE_SNAPSHOT=0 skips the heap
// snapshots; PROFILE_TIMELINE=MS prints each phase slice by slice.
import {cpSync, mkdirSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {mar} from '../lib.mjs'
import {MarHome} from '../mar-home.mjs'
import {childCounter, removeScratch, rssOf, run, signal, sleep, waitUntil} from '../proc.mjs'
import {loadProfile, printSelfTimes, selfTimes, timeline} from './cpuprofile.mjs'
import {diffSnapshots, summarizeSnapshot} from './heapsnapshot.mjs'

const here = new URL('.', import.meta.url).pathname
const flood = join(here, '../../test/fixtures/bin/flood.mjs')
const [scenario = 'fleet', nArg] = process.argv.slice(2)
const n = Number(nArg ?? 200)
const monoUs = () => Number(process.hrtime.bigint() / 1000n)

// PROFILE_CGROUPS=0 profiles process-group containment, as the bench's goal rows run.
const home = new MarHome('prof', {cgroups: process.env.PROFILE_CGROUPS !== '0'})
const out = join(home.dir, 'prof')
mkdirSync(out)
home.env.MAR_BENCH_PROBE_DIR = out
home.env.MAR_BENCH_SNAPSHOT = process.env.PROFILE_SNAPSHOT ?? '1'
const marks = []
const mark = (name) => marks.push({name, us: monoUs()})

/** A CLI command under --cpu-prof (its profile lands in out/cli-NAME). */
function cliProfiled(name, args, cwd) {
  const dir = join(out, `cli-${name}`)
  return run([process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, mar, ...args], {env: home.env, cwd})
}

async function probe(daemon) {
  const before = new Set(readdirSync(out))
  signal(daemon, 'SIGUSR2')
  const {value} = await waitUntil(() => readdirSync(out).find((f) => f.startsWith('probe-') && !before.has(f)), {everyMs: 20, timeoutMs: 60_000, what: 'the probe'})
  await sleep(50)
  const figures = JSON.parse((await import('node:fs')).readFileSync(join(out, value), 'utf8'))
  figures.rss = rssOf(daemon)
  return figures
}

const mbs = (b) => `${(b / 1048576).toFixed(1)} MB`
function printMemory(label, f) {
  const m = f.memoryUsage
  console.log(`  ${label}: VmRSS ${mbs(f.rss)}; heapUsed ${mbs(m.heapUsed)} of heapTotal ${mbs(m.heapTotal)}; external ${mbs(m.external)} (arrayBuffers ${mbs(m.arrayBuffers)}); resources ${JSON.stringify(f.resources)}`)
}

async function fleet(daemon) {
  const cwd = home.stack('fleet', `name: fleet\nrunners:\n  s: { cmd: "sleep 600", scale: ${n} }\n`)
  const idle = await probe(daemon)
  const count = childCounter(daemon, 'sleep')
  mark('up')
  const up = cliProfiled('up', ['up'], cwd)
  const seen = []
  await waitUntil(() => {
    const c = count()
    if (c > 0 && seen.length === 0) seen.push({first: monoUs()})
    return c >= n
  }, {since: up.began})
  mark('all running')
  const upDone = await up.exited
  mark('up returned')
  console.log(`mar up: first sleep after ${((seen[0].first - marks[0].us) / 1000).toFixed(0)} ms, all ${n} after ${((marks[1].us - marks[0].us) / 1000).toFixed(0)} ms, command ${upDone.ms.toFixed(0)} ms`)
  await sleep(3000)
  mark('settled')
  const loaded = await probe(daemon)
  mark('status')
  for (let i = 0; i < 15; i++) await (i === 0 ? cliProfiled('status', ['status', '--json'], cwd) : home.start(['status', '--json'], cwd)).exited
  mark('status done')
  const after = await probe(daemon)
  mark('down')
  const down = cliProfiled('down', ['down'], cwd)
  await waitUntil(() => count() === 0, {since: down.began})
  mark('none left')
  await down.exited
  mark('down returned')
  console.log('\nDaemon memory:')
  printMemory('idle', idle)
  printMemory(`${n} instances, settled`, loaded)
  printMemory('after 15 status', after)
  if (idle.snapshot && loaded.snapshot) {
    const diff = diffSnapshots(summarizeSnapshot(idle.snapshot), summarizeSnapshot(loaded.snapshot))
    console.log(`\nHeap snapshot diff, idle → ${n} instances: ${mbs(diff.total)} in JS objects`)
    for (const row of diff.rows) console.log(`  ${mbs(row.size).padStart(9)}  ${String(row.count).padStart(7)}×  ${row.name}`)
  }
  return [
    ['up: until all running', 'up', 'all running'],
    ['up: until the command returns', 'all running', 'up returned'],
    ['settle (3 s, idle instances)', 'up returned', 'settled'],
    ['15 × status --json', 'status', 'status done'],
    ['down: until none left', 'down', 'none left'],
    ['down: none left until the command returns', 'none left', 'down returned'],
  ]
}

async function capture(daemon) {
  const lines = 200_000
  const runners = Array.from({length: 10}, (_, i) => `  w${i}: { cmd: ${JSON.stringify([process.execPath, flood, String(lines), `w${i}`, '99'])}, oneshot: true }`)
  const cwd = home.stack('flood', `name: flood\nrunners:\n${runners.join('\n')}\n`)
  const {indexedBytes} = await import('../../test/fixtures/logs/stored-stream.mjs')
  const dirs = Array.from({length: 10}, (_, i) => join(home.home, 'logs', 'flood', `w${i}.1`))
  const stored = () => dirs.reduce((sum, dir) => sum + indexedBytes(dir), 0)
  mark('up')
  const up = cliProfiled('up', ['up'], cwd)
  const done = await up.exited
  mark('up returned')
  await waitUntil(() => stored() >= 10 * lines * 100, {everyMs: 10})
  mark('stored')
  console.log(`capture: mar up returned after ${done.ms.toFixed(0)} ms, stored after ${((marks[2].us - marks[0].us) / 1000).toFixed(0)} ms`)
  return [
    ['writers running (up → up returned)', 'up', 'up returned'],
    ['catching up (up returned → stored)', 'up returned', 'stored'],
  ]
}

async function respawn() {
  const times = join(home.dir, 'times')
  const cwd = home.stack('crash', `name: crash\nrunners:\n  c:\n    cmd: ${JSON.stringify(`date +%s%N >> ${times}; exit 1`)}\n    restart: {policy: always, backoff: {initial: 0}}\n`)
  const {readFileSync} = await import('node:fs')
  const count = () => {
    try {
      return readFileSync(times, 'utf8').split('\n').length - 1
    } catch {
      return 0
    }
  }
  await home.cli(['up', '--no-wait'], cwd)
  await waitUntil(() => count() >= 20, {everyMs: 10})
  mark('restarts')
  const before = count()
  await waitUntil(() => count() >= before + n, {everyMs: 10, timeoutMs: 120_000})
  mark('restarts done')
  await home.cli(['down'], cwd)
  console.log(`respawn: ${n} restarts in ${((marks[1].us - marks[0].us) / 1000).toFixed(0)} ms`)
  return [[`${n} crash → restart cycles`, 'restarts', 'restarts done']]
}

try {
  const daemon = await home.startDaemon(600, ['--cpu-prof', '--cpu-prof-interval', process.env.PROFILE_INTERVAL_US ?? '1000', `--cpu-prof-dir=${join(out, 'daemon')}`, '--import', join(here, 'daemon-probe.mjs')])
  console.log(`daemon ${daemon} (${(await home.info()).containment})`)
  const phases = await {fleet, capture, respawn}[scenario](daemon)
  await home.stopDaemon()
  const daemonProfile = loadProfile(join(out, 'daemon', readdirSync(join(out, 'daemon'))[0]))
  const at = (name) => marks.find((m) => m.name === name).us
  for (const [title, from, to] of phases) {
    printSelfTimes(`DAEMON — ${title} (${((at(to) - at(from)) / 1000).toFixed(0)} ms wall)`, selfTimes(daemonProfile, at(from), at(to)))
    // PROFILE_TIMELINE=25: the daemon's busy ms per 25 ms slice of the phase, and what was on its stack.
    if (process.env.PROFILE_TIMELINE) {
      for (const slice of timeline(daemonProfile, at(from), at(to), Number(process.env.PROFILE_TIMELINE))) {
        console.log(`    +${String(slice.atMs).padStart(5)} ms  busy ${slice.busy.toFixed(0).padStart(3)}  ${slice.top.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(' | ')}`)
      }
    }
  }
  for (const dir of readdirSync(out).filter((d) => d.startsWith('cli-'))) {
    const profile = loadProfile(join(out, dir, readdirSync(join(out, dir))[0]))
    const wall = (profile.profile.endTime - profile.profile.startTime) / 1000
    printSelfTimes(`CLI ${dir.slice(4)} (profiled run, ${wall.toFixed(0)} ms from V8 start to exit)`, selfTimes(profile), 12)
  }
  if (process.env.PROFILE_KEEP) cpSync(out, process.env.PROFILE_KEEP, {recursive: true})
} finally {
  await home.teardown()
  removeScratch()
}
