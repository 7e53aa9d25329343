// `npm run bench` section `protocol`: the daemon's API as a subscriber sees
// it, spoken directly over MAR_HOME/daemon.sock with node:net (no code from
// src/), each figure against a baseline measured in the same run.
//
//   snapshot  `watch` on a daemon holding 200 `sleep 600` instances: time
//             from connect() until the first item (the snapshot) has been
//             received whole and JSON.parse'd, the real client's order of
//             events (hello, wait for the daemon's hello, request). Baseline:
//             a minimal Unix-socket server that answers the hello and, on the
//             request line, writes the very bytes of the daemon's snapshot
//             frame, pre-built; the same client code times it. The server is
//             a node process of its own, as the daemon is: served from the
//             bench's own event loop it answers in about half the time (no
//             wake-up of another process), which would not be the daemon's
//             floor. Runs alternate mar/baseline.
//   flap      a second stack of 200 instances that crash and restart for
//             ever; one watcher reads as fast as it can for BENCH_PROTO_SECONDS.
//             See measureFlap for how the events are counted and checked.
//
//   BENCH_PROTO=snapshot,flap   pick parts (default: both)
//   BENCH_PROTO_N=200           instances per stack
//   BENCH_PROTO_RUNS=15         snapshot connections per side (median)
//   BENCH_PROTO_SECONDS=5       the flap window
//   BENCH_PROTO_FLAP_BASE=4     flapping instances live BASE.0 to BASE.9 s, then exit 1
//   BENCH_PROTO_CGROUPS=1       run the daemon with cgroups (default: process groups)
//
// Every process the bench starts (the daemon and its instances through
// MarHome's teardown; the baseline server and supervisor, and the latter's
// children by process group, by pid) is stopped at the end, also when a
// measurement fails or the bench is interrupted.
import {spawn} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {createConnection} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {median, printTable} from './lib.mjs'
import {MarHome} from './mar-home.mjs'
import {cleanEnv, cpuTimes, killTree, now, removeLater, sleep, startSection, waitUntil} from './proc.mjs'

const PROTOCOL = 2
const hello = (role = 'client') => `${JSON.stringify({type: 'hello', protocol: PROTOCOL, version: 'bench', pid: process.pid, role})}\n`
const request = (id, method, params = {}) => `${JSON.stringify({id, method, params})}\n`

const ms = (value) => (value === null || value === undefined ? '—' : `${value.toFixed(value < 10 ? 2 : 0)} ms`)
const x = (value) => `${value.toFixed(2)}×`
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`
const perSec = (value) => `${Math.round(value).toLocaleString('en')} ev/s`

/**
 * One connection speaking newline-delimited JSON: `next(test)` resolves with
 * the next frame (and its raw bytes) that passes `test`, frames before it
 * handed to `onSkipped`; or every frame goes to `onFrame` when set.
 */
class Wire {
  constructor(path) {
    this.socket = createConnection(path)
    this.pending = []
    this.waiters = []
    this.frames = []
    this.onFrame = null
    this.closed = false
    this.error = null
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve)
      this.socket.once('error', reject)
    })
    this.socket.on('error', (error) => this.fail(error))
    this.socket.on('close', () => this.fail(new Error('connection closed')))
    this.socket.on('data', (chunk) => this.push(chunk))
  }

  push(chunk) {
    let start = 0
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      start = nl + 1
      const raw = this.pending.length > 0 ? Buffer.concat([...this.pending, piece]) : piece
      this.pending = []
      if (raw.length === 0) continue
      const frame = JSON.parse(raw.toString('utf8'))
      if (this.onFrame) this.onFrame(frame, raw.length + 1)
      else this.deliver(frame, raw)
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start))
  }

  deliver(frame, raw) {
    const waiter = this.waiters[0]
    if (waiter && waiter.test(frame)) {
      this.waiters.shift()
      clearTimeout(waiter.timer)
      waiter.resolve({frame, bytes: raw.length + 1, raw})
    } else this.frames.push(frame)
  }

  next(test, timeoutMs = 20_000) {
    const queued = this.frames.findIndex(test)
    if (queued !== -1) return Promise.resolve({frame: this.frames.splice(queued, 1)[0]})
    if (this.error) return Promise.reject(this.error)
    return new Promise((resolve, reject) => {
      const waiter = {test, resolve, reject}
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        reject(new Error(`no reply within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  fail(error) {
    if (this.closed) return
    this.closed = true
    this.error = error
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer)
      waiter.reject(error)
    }
  }

  write(text) {
    this.socket.write(text)
  }

  /** Say hello and wait for the other side's, as src/api/client.ts does. */
  async greet() {
    await this.connected
    this.write(hello())
    const {frame} = await this.next((f) => f.type === 'hello' || f.type === 'error')
    if (frame.type !== 'hello') throw new Error(`no hello: ${JSON.stringify(frame)}`)
    return frame
  }

  /** The reply (result or error) of request `id`. */
  async call(id, method, params = {}) {
    this.write(request(id, method, params))
    const {frame} = await this.next((f) => f.id === id && (f.type === 'result' || f.type === 'error'))
    if (frame.type === 'error') throw new Error(`${method}: ${frame.error.code}: ${frame.error.message}`)
    return frame.data
  }

  close() {
    this.closed = true
    this.socket.destroy()
  }
}

/** connect → hello → hello back → watch → the first item, parsed. Returns ms and the raw frame. */
async function firstSnapshot(path) {
  const began = now()
  const wire = new Wire(path)
  try {
    await wire.greet()
    wire.write(request(1, 'watch'))
    const {frame, raw} = await wire.next((f) => f.id === 1)
    const took = now() - began
    if (frame.type !== 'item' || frame.item.kind !== 'snapshot') throw new Error(`first watch reply is not a snapshot: ${JSON.stringify(frame).slice(0, 300)}`)
    return {ms: took, raw, item: frame.item}
  } finally {
    wire.close()
  }
}

/** The least a daemon must do: parse the hello, answer it, parse the request, write a frame ready-made. */
const BASELINE_SERVER = `
const net = require('node:net'), fs = require('node:fs')
const [sock, framePath] = process.argv.slice(1)
const frame = fs.readFileSync(framePath)
const hello = JSON.stringify({type: 'hello', protocol: ${PROTOCOL}, version: 'baseline', pid: process.pid, role: 'daemon'}) + '\\n'
net.createServer((c) => {
  let pending = '', lines = 0
  c.on('error', () => {})
  c.on('data', (chunk) => {
    pending += chunk.toString('utf8')
    for (let nl = pending.indexOf('\\n'); nl !== -1; nl = pending.indexOf('\\n')) {
      JSON.parse(pending.slice(0, nl))
      pending = pending.slice(nl + 1)
      lines++
      if (lines === 1) c.write(hello)
      else if (lines === 2) c.write(frame)
    }
  })
}).listen(sock, () => console.log('ready'))
`

async function startBaselineServer(frame, cleanup) {
  const dir = mkdtempSync(join(tmpdir(), 'mb-proto-'))
  removeLater(dir)
  const framePath = join(dir, 'frame')
  writeFileSync(framePath, frame)
  const sock = join(dir, 'base.sock')
  const child = spawn(process.execPath, ['-e', BASELINE_SERVER, sock, framePath], {env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe']})
  const stop = () => killTree(child.pid)
  cleanup.add(stop)
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baseline server did not start: ${err}`)), 10_000)
    child.stdout.once('data', () => {
      clearTimeout(timer)
      resolve()
    })
    child.once('exit', (code) => reject(new Error(`baseline server exited ${code}: ${err}`)))
  })
  return {sock, stop, pid: child.pid}
}

/**
 * `mar status --json` until every instance of `stack` passes `test` (while
 * nothing flaps: with 200 flapping instances the CLI's 2 s hello timeout can
 * expire, and it then reports no daemon and no stacks, exit 0).
 */
async function waitStack(home, stack, n, test, what) {
  const since = now()
  for (;;) {
    const status = JSON.parse((await home.cli(['status', '--json'])).stdout)
    const s = status.stacks.find((st) => st.name === stack)
    if (s && s.instances.length === n && s.instances.every(test)) return now() - since
    if (now() - since > 60_000) throw new Error(`timed out after 60 s waiting for ${what}`)
    await sleep(200)
  }
}

/** Round-trip times of `ping` on a connection of its own, every `everyMs`, until stop() is called. */
function pinger(path, everyMs = 100) {
  const times = []
  let stopped = false
  const done = (async () => {
    const wire = new Wire(path)
    try {
      await wire.greet()
      for (let id = 1; !stopped; id++) {
        const began = now()
        await wire.call(id, 'ping')
        times.push(now() - began)
        await sleep(everyMs)
      }
    } finally {
      wire.close()
    }
  })()
  return {
    times,
    async stop() {
      stopped = true
      await done
      return times
    },
  }
}

const pct = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]

async function measureSnapshot({home, n, runs, cleanup, log}) {
  const path = join(home.home, 'daemon.sock')
  // One warm-up each side; the baseline serves the daemon's own first snapshot frame, byte for byte.
  const warm = await firstSnapshot(path)
  const instances = warm.item.status.stacks.reduce((sum, s) => sum + s.instances.length, 0)
  if (instances !== n) throw new Error(`the snapshot holds ${instances} instances, not ${n}`)
  const server = await startBaselineServer(Buffer.concat([warm.raw, Buffer.from('\n')]), cleanup)
  try {
    await firstSnapshot(server.sock)
    const mar = []
    const base = []
    const sizes = new Set()
    for (let i = 0; i < runs; i++) {
      const m = await firstSnapshot(path)
      sizes.add(m.raw.length + 1)
      mar.push(m.ms)
      await sleep(30)
      base.push((await firstSnapshot(server.sock)).ms)
      await sleep(30)
    }
    // What serializing that status costs in one node process: the part of the daemon's work the baseline skips.
    const status = warm.item.status
    const frame = {id: 1, type: 'item', item: {kind: 'snapshot', status}}
    const stringifyMs = median(Array.from({length: 15}, () => {
      const t = now()
      JSON.stringify(frame)
      return now() - t
    }))
    const parseMs = median(Array.from({length: 15}, () => {
      const t = now()
      JSON.parse(warm.raw.toString('utf8'))
      return now() - t
    }))
    // The daemon's answer time with nothing to send but a small reply.
    const idle = pinger(path, 20)
    await sleep(600)
    const pings = await idle.stop()
    log(`  snapshot: mar ${ms(median(mar))}, baseline ${ms(median(base))}, frame ${kb(warm.raw.length + 1)}`)
    return {
      n,
      runs,
      bytes: warm.raw.length + 1,
      sizes: [...sizes],
      mar: {median: median(mar), p90: pct(mar, 0.9), runs: mar},
      baseline: {median: median(base), p90: pct(base, 0.9), runs: base},
      stringifyMs,
      parseMs,
      pingIdle: {median: median(pings), max: Math.max(...pings), count: pings.length},
    }
  } finally {
    server.stop()
  }
}

/**
 * The flapping program: `sleep B.D; exit 1`, D the instance's number mod 10
 * (MAR_INSTANCE is f.N), so lives of B.0 to B.9 s keep the 200 from crashing
 * in lockstep and restarts spread over time. Run by /bin/sh -c on both sides.
 */
const flapCommand = (base) => `sleep ${base}.$((\${MAR_INSTANCE#*.} % 10)); exit 1`

/**
 * The least a supervisor must do to keep `n` crashing programs restarting:
 * spawn each (sh -c, its own process group, output appended to a file), and
 * on its exit spawn it again after the backoff. Counts restarts over the
 * window once every program has restarted once (as the mar side waits),
 * with its own CPU time and its event loop's lateness.
 */
const BASELINE_SUPERVISOR = `
const {spawn} = require('node:child_process')
const {openSync, closeSync, constants, mkdirSync} = require('node:fs')
const {join} = require('node:path')
const [n, dir, command, backoffMs, windowMs] = process.argv.slice(1)
const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT
mkdirSync(dir, {recursive: true})
const children = new Set()
const exits = new Array(Number(n)).fill(0)
let counting = false, restarts = 0, stopping = false, waiting = Number(n)
function launch(i) {
  if (stopping) return
  const out = openSync(join(dir, 'f.' + i + '.log'), flags, 0o600)
  const child = spawn('/bin/sh', ['-c', command], {detached: true, stdio: ['ignore', out, out], env: {...process.env, MAR_INSTANCE: 'f.' + i}})
  closeSync(out)
  children.add(child)
  child.once('exit', () => {
    children.delete(child)
    if (counting) restarts++
    if (exits[i - 1]++ === 0 && --waiting === 0) setTimeout(measure, 500)
    setTimeout(() => launch(i), Number(backoffMs))
  })
}
for (let i = 1; i <= Number(n); i++) launch(i)
// The event loop's lateness, as the daemon's ping round trip shows its own.
const lags = []
let last = performance.now()
setInterval(() => { const t = performance.now(); if (counting) lags.push(t - last - 100); last = t }, 100)
function measure() {
  counting = true
  const began = performance.now()
  const cpu = process.cpuUsage()
  setTimeout(() => {
    const seconds = (performance.now() - began) / 1000
    const used = process.cpuUsage(cpu)
    stopping = true
    lags.sort((a, b) => a - b)
    console.log(JSON.stringify({restarts, seconds, cpuMs: (used.user + used.system) / 1000, lagMedian: lags[lags.length >> 1] ?? null, lagP90: lags[Math.floor(lags.length * 0.9)] ?? null, lagMax: lags[lags.length - 1] ?? null}))
    for (const c of children) try { process.kill(-c.pid, 'SIGKILL') } catch {}
    process.exit(0)
  }, Number(windowMs))
}
`

async function baselineFlap({n, seconds, flapBase, cleanup}) {
  const dir = mkdtempSync(join(tmpdir(), 'mb-flap-'))
  removeLater(dir)
  const child = spawn(process.execPath, ['-e', BASELINE_SUPERVISOR, String(n), join(dir, 'logs'), flapCommand(flapBase), '100', String(seconds * 1000)], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stop = () => killTree(child.pid)
  cleanup.add(stop)
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  try {
    const code = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the baseline supervisor did not finish in time')), (seconds + flapBase + 30) * 1000)
      child.once('exit', (c) => {
        clearTimeout(timer)
        resolve(c)
      })
    })
    if (code !== 0) throw new Error(`the baseline supervisor exited ${code}: ${err}`)
    const r = JSON.parse(out)
    return {...r, restartsPerSec: r.restarts / r.seconds}
  } finally {
    stop()
  }
}

/**
 * The flapping stack. One watcher subscribes before `mar up`, so it sees the
 * stack arrive and every instance's whole history. Once every instance has
 * restarted once (by the watcher's own state), it asks `status` on the same
 * connection, waits BENCH_PROTO_SECONDS, and asks again. The daemon answers
 * in order on one connection, so the two status replies bracket exactly the
 * events it sent in between: no timing guesswork as with `mar status --json`
 * from a second process (the same data, through the same handler; and while
 * 200 instances flap, the CLI may give up on a slow hello after 2 s).
 *   - received: instance events of the flap stack between the two replies,
 *     per second of the window (time between receiving the two replies).
 *   - expected: the state changes the daemon made in the window, from the
 *     two statuses alone. The cycle an instance goes through is read off the
 *     stream: the most common sequence of states sent under one value of its
 *     `restarts` counter (backoff→starting→running→crashed→backoff: the
 *     counter goes up with the first of them — same state, a separate event
 *     — then 4 more changes: 5 a restart). An instance at (state s0, counter
 *     r0) at the start and (s1, r1) at the end made
 *         (r1 − r0) × cycle + pos(s1) − pos(s0)
 *     changes, pos being the state's place in the cycle; a state that occurs
 *     twice takes its last place (the first backoff is sent in the same turn
 *     as the next `starting`, so a status does not show it; were that not
 *     so, the count would be off by 4 per instance caught there). Summed
 *     over instances, received / expected is 1.00 when every change reached
 *     the watcher exactly once. Also shown: restarts × cycle, which ignores
 *     where each instance stood at either end.
 *   - integrity: `lagged` frames (each means the daemon dropped events for
 *     this watcher), and the state the watcher rebuilds (the first status,
 *     then every instance event — and any fresh snapshot — applied) compared
 *     with the second status: instances whose state, pid or restarts differ.
 * Meanwhile a second connection pings the daemon every 100 ms (its
 * responsiveness), and the daemon's CPU time over the window is read from
 * /proc. The baseline (run before, alone): a minimal node supervisor
 * keeping the same 200 programs restarting with the same backoff — the
 * restarts a second this machine allows, and what they cost it.
 */
async function measureFlap({home, n, seconds, flapBase, daemonPid, log}) {
  const path = join(home.home, 'daemon.sock')
  const cwd = home.stack(
    'flap',
    `name: flap\nrunners:\n  f: { cmd: ${JSON.stringify(flapCommand(flapBase))}, scale: ${n}, restart: { policy: always, backoff: { initial: 100ms, max: 100ms } } }\n`,
  )
  const wire = new Wire(path)
  let ping = null
  try {
    await wire.greet()
    const byKind = {}
    const items = []
    const flapEvents = []
    const live = new Map()
    let phase = 'before'
    let lagged = 0
    let dropped = 0
    let bytes = 0
    let before = null
    let after = null
    let windowBegan = 0
    let windowEnded = 0
    let ended = false
    let cpuBefore = null
    let cpuAfter = null
    const replies = new Map()
    const flapOf = (status) => new Map((status.stacks.find((s) => s.name === 'flap')?.instances ?? []).map((i) => [i.name, i]))
    wire.onFrame = (frame, size) => {
      if (frame.id === 2 && frame.type === 'result') {
        before = frame.data
        windowBegan = now()
        cpuBefore = cpuTimes(daemonPid)
        phase = 'window'
        return
      }
      if (frame.id === 3 && frame.type === 'result') {
        after = frame.data
        windowEnded = now()
        cpuAfter = cpuTimes(daemonPid)
        phase = 'after'
        return
      }
      if (frame.id === 1 && frame.type === 'end') ended = true
      if (frame.type === 'result' || frame.type === 'error') replies.set(frame.id, frame)
      if (frame.id !== 1 || frame.type !== 'item') return
      const item = frame.item
      // The whole history, for the watcher's own view (steady state) and the cycle.
      if (item.kind === 'instance' && item.stack === 'flap') {
        flapEvents.push(item.instance)
        live.set(item.instance.name, item.instance)
      } else if (item.kind === 'stack-added' && item.stack.name === 'flap') for (const i of item.stack.instances) live.set(i.name, i)
      if (phase !== 'window') return
      bytes += size
      byKind[item.kind] = (byKind[item.kind] ?? 0) + 1
      if (item.kind === 'lagged') {
        lagged++
        dropped += item.dropped
      }
      items.push(item)
    }
    wire.write(request(1, 'watch'))
    // --no-wait: `up` would (rightly) report a crash loop.
    await home.cli(['up', '--no-wait'], cwd)
    // Steady state: every instance has crashed and restarted at least once.
    await waitUntil(() => live.size === n && [...live.values()].every((i) => i.restarts >= 1), {everyMs: 50, timeoutMs: 60_000, what: 'every flap instance to restart once'})
    await sleep(500)
    ping = pinger(path, 100)
    wire.write(request(2, 'status'))
    await waitUntil(() => before, {everyMs: 5, timeoutMs: 20_000, what: 'the first status reply'})
    log(`  flap: watching for ${seconds} s`)
    await sleep(seconds * 1000)
    wire.write(request(3, 'status'))
    await waitUntil(() => after, {everyMs: 5, timeoutMs: 30_000, what: 'the second status reply'})
    wire.write(request(4, 'cancel', {target: 1}))
    await waitUntil(() => ended && replies.has(4), {everyMs: 5, timeoutMs: 20_000, what: 'the watch to end after cancel'})
    const pings = await ping.stop()

    const start = flapOf(before)
    const end = flapOf(after)
    const received = items.filter((i) => i.kind === 'instance' && i.stack === 'flap').length

    // The state the watcher rebuilds, against the second status.
    let rebuilt = new Map(start)
    for (const item of items) {
      if (item.kind === 'snapshot') rebuilt = flapOf(item.status)
      else if (item.kind === 'instance' && item.stack === 'flap') rebuilt.set(item.instance.name, item.instance)
    }
    let mismatched = 0
    for (const [name, info] of end) {
      const mine = rebuilt.get(name)
      if (!mine || mine.state !== info.state || mine.pid !== info.pid || mine.restarts !== info.restarts) mismatched++
    }

    // The cycle: the most common sequence of states under one counter value, over values seen whole (not an instance's first or last).
    const under = new Map()
    const firstLast = new Map()
    for (const event of flapEvents) {
      const key = `${event.name}#${event.restarts}`
      under.set(key, [...(under.get(key) ?? []), event.state])
      const seen = firstLast.get(event.name) ?? {first: event.restarts, last: event.restarts}
      seen.last = event.restarts
      firstLast.set(event.name, seen)
    }
    const sequences = new Map()
    for (const [key, list] of under) {
      const [name, r] = key.split('#')
      const {first, last} = firstLast.get(name)
      if (Number(r) === first || Number(r) === last) continue
      const seq = list.join('→')
      sequences.set(seq, (sequences.get(seq) ?? 0) + 1)
    }
    const ranked = [...sequences].sort((a, b) => b[1] - a[1])
    const cycleStates = ranked[0]?.[0].split('→') ?? null
    const cycle = cycleStates?.length ?? null
    const whole = ranked.reduce((sum, [, count]) => sum + count, 0)

    let restarts = 0
    let expected = 0
    let unplaced = 0
    for (const [name, info] of end) {
      const first = start.get(name)
      if (!first) {
        unplaced++
        continue
      }
      restarts += info.restarts - first.restarts
      const p0 = cycleStates?.lastIndexOf(first.state) ?? -1
      const p1 = cycleStates?.lastIndexOf(info.state) ?? -1
      if (p0 === -1 || p1 === -1) unplaced++
      else expected += (info.restarts - first.restarts) * cycle + p1 - p0
    }
    const windowSec = (windowEnded - windowBegan) / 1000
    const cpu = cpuBefore && cpuAfter ? {selfMs: cpuAfter.self - cpuBefore.self, childrenMs: cpuAfter.children - cpuBefore.children} : null
    const result = {
      n,
      command: flapCommand(flapBase),
      windowSec,
      received,
      receivedPerSec: received / windowSec,
      restarts,
      restartsPerSec: restarts / windowSec,
      cycle,
      sequence: ranked[0]?.[0] ?? null,
      sequenceShare: whole ? ranked[0][1] / whole : null,
      cyclesSeen: whole,
      expected: cycle === null || unplaced > 0 ? null : expected,
      unplaced,
      naive: cycle === null ? null : restarts * cycle,
      lagged,
      dropped,
      mismatched,
      byKind,
      mbPerSec: bytes / 1048576 / windowSec,
      cpu,
      ping: {median: median(pings), p90: pct(pings, 0.9), max: Math.max(...pings), count: pings.length},
    }
    log(`  flap: ${received} events in ${windowSec.toFixed(2)} s (expected ${result.expected ?? '—'}), ${restarts} restarts, ${lagged} lagged`)
    await home.cli(['down'], cwd).catch((error) => log(`  flap: down failed: ${error.message}`))
    return result
  } finally {
    wire.close()
    await ping?.stop().catch(() => {})
  }
}

function printResults({snapshot, flap}) {
  const rows = [['goal', 'measured as', 'mar', 'baseline', 'ratio', 'target', 'result']]
  if (snapshot) {
    const s = snapshot
    rows.push([
      `watch: first snapshot of ${s.n} instances`,
      `connect → parsed, ${kb(s.bytes)} frame, median of ${s.runs}`,
      ms(s.mar.median),
      ms(s.baseline.median),
      x(s.mar.median / s.baseline.median),
      '—',
      'info',
    ])
  }
  if (flap) {
    const f = flap
    const b = f.baseline
    rows.push([
      `watch: events a subscriber keeps up with while ${f.n} instances flap`,
      `instance events received vs changes made, ${f.windowSec.toFixed(1)} s`,
      perSec(f.receivedPerSec),
      f.expected === null ? '—' : perSec(f.expected / f.windowSec),
      f.expected ? x(f.received / f.expected) : '—',
      '—',
      'info',
    ])
    const bad = f.lagged + f.dropped + f.mismatched
    rows.push(['watch integrity while flapping', 'lagged / dropped / state ≠ status at end', `${f.lagged}/${f.dropped}/${f.mismatched}`, '', '', '0/0/0', bad === 0 ? 'PASS' : 'FAIL'])
    if (b) {
      rows.push([
        `flap: restarts a second, ${f.n} crashing programs`,
        'vs a minimal node supervisor, 100 ms backoff',
        `${f.restartsPerSec.toFixed(0)}/s`,
        `${b.restartsPerSec.toFixed(0)}/s`,
        x(f.restartsPerSec / b.restartsPerSec),
        '—',
        'info',
      ])
    }
  }
  printTable('Protocol (the daemon API as a watcher sees it; no targets from the issue: ratios for information)', rows)

  const raw = [['figure', 'mar', 'baseline']]
  const list = (values) => values.map((v) => ms(v)).join(', ')
  if (snapshot) {
    const s = snapshot
    raw.push(['snapshot: median / p90', `${ms(s.mar.median)} / ${ms(s.mar.p90)}`, `${ms(s.baseline.median)} / ${ms(s.baseline.p90)}`])
    raw.push(['snapshot: per connection', list(s.mar.runs), list(s.baseline.runs)])
    raw.push(['snapshot frame bytes (every run)', s.sizes.join(', '), `${s.bytes} (the daemon's frame, pre-built)`])
    raw.push(['JSON.stringify / JSON.parse of that frame, in the bench process', `${ms(s.stringifyMs)} / ${ms(s.parseMs)}`, ''])
    raw.push([`ping round trip, idle (${s.n} instances up), median / max of ${s.pingIdle.count}`, `${ms(s.pingIdle.median)} / ${ms(s.pingIdle.max)}`, ''])
  }
  if (flap) {
    const f = flap
    const b = f.baseline
    raw.push(['flap: instance program (sh -c), backoff 100 ms', f.command, b ? 'the same, by a minimal node supervisor' : ''])
    raw.push(['flap: restarts in window (per s)', `${f.restarts} (${f.restartsPerSec.toFixed(0)}/s)`, b ? `${b.restarts} in ${b.seconds.toFixed(1)} s (${b.restartsPerSec.toFixed(0)}/s)` : ''])
    raw.push(['flap: instance events received / expected / restarts × cycle', `${f.received} / ${f.expected ?? '—'} / ${f.naive ?? '—'}`, ''])
    raw.push([`flap: cycle (${f.sequenceShare === null ? '—' : `${(f.sequenceShare * 100).toFixed(0)}%`} of ${f.cyclesSeen} whole cycles seen)`, f.sequence ?? '—', ''])
    if (f.unplaced) raw.push(['flap: instances whose state is not in the cycle', String(f.unplaced), ''])
    raw.push(['flap: frames by kind', Object.entries(f.byKind).map(([k, v]) => `${k} ${v}`).join(', ') || 'none', ''])
    raw.push(['flap: stream bandwidth', `${f.mbPerSec.toFixed(2)} MB/s`, ''])
    const core = (cpuMs, sec) => `${((cpuMs / 1000 / sec) * 100).toFixed(0)}%`
    raw.push([
      'flap: supervisor CPU over the window: % of one core, ms per restart',
      f.cpu ? `${core(f.cpu.selfMs, f.windowSec)}, ${(f.cpu.selfMs / f.restarts).toFixed(1)} ms` : '—',
      b ? `${core(b.cpuMs, b.seconds)}, ${(b.cpuMs / b.restarts).toFixed(1)} ms` : '',
    ])
    raw.push([
      `flap: ping round trip, median / p90 / max of ${f.ping.count} (baseline: timer lateness)`,
      `${ms(f.ping.median)} / ${ms(f.ping.p90)} / ${ms(f.ping.max)}`,
      b && b.lagMedian !== null ? `${ms(b.lagMedian)} / ${ms(b.lagP90)} / ${ms(b.lagMax)}` : '',
    ])
  }
  printTable('Protocol: raw figures', raw)
}

export async function benchProtocol() {
  const parts = new Set((process.env.BENCH_PROTO ?? 'snapshot,flap').split(','))
  const n = Number(process.env.BENCH_PROTO_N ?? 200)
  const runs = Number(process.env.BENCH_PROTO_RUNS ?? 15)
  const seconds = Number(process.env.BENCH_PROTO_SECONDS ?? 5)
  const flapBase = Number(process.env.BENCH_PROTO_FLAP_BASE ?? 4)
  const cgroups = process.env.BENCH_PROTO_CGROUPS === '1'
  const {cleanup, log, done} = startSection('Protocol bench', `${cgroups ? 'cgroups if available' : 'process groups (MAR_CGROUPS=0)'}`)
  const results = {}
  const began = now()
  const home = new MarHome('proto', {cgroups})
  cleanup.add(() => home.teardown())
  try {
    const daemonPid = await home.startDaemon()
    const snapCwd = home.stack('snap', `name: snap\nrunners:\n  s: { cmd: "sleep 600", scale: ${n} }\n`)
    log(`protocol: ${n} × sleep 600`)
    await home.cli(['up'], snapCwd)
    await waitStack(home, 'snap', n, (i) => i.state === 'running' && i.pid, `${n} snap instances running`)
    if (parts.has('snapshot')) results.snapshot = await measureSnapshot({home, n, runs, cleanup, log})
    if (parts.has('flap')) {
      log(`protocol: baseline supervisor, ${n} × ${flapCommand(flapBase)}`)
      const baseline = await baselineFlap({n, seconds, flapBase, cleanup})
      log(`  baseline: ${baseline.restarts} restarts in ${baseline.seconds.toFixed(2)} s`)
      log(`protocol: ${n} flapping instances beside the ${n} sleeping ones`)
      results.flap = {...(await measureFlap({home, n, seconds, flapBase, daemonPid, log})), baseline}
    }
    await home.cli(['down'], snapCwd).catch((error) => log(`  snap: down failed: ${error.message}`))
  } finally {
    await cleanup.run()
    done()
  }
  results.seconds = (now() - began) / 1000
  printResults(results)
  console.log(`\n(protocol section: ${results.seconds.toFixed(0)} s)`)
  return results
}
