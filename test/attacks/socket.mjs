// Attacks on the daemon's socket itself: big frames, silent connections,
// plans no CLI would send.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {call, isAlive, mb, ms, processesWithEnv, rawConnect, rssMB, s, waitFor} from './lib.mjs'

const errorCode = (frame) => frame?.error?.code

async function daemon(scope) {
  const home = scope.home()
  const start = await home.mar(['daemon', 'start'])
  if (start.code !== 0) throw new Error(`mar daemon start: exit ${start.code} ${start.stderr}`)
  return home
}

export const bigFrames = {
  id: 2,
  name: 'big frames',
  what: '10 connections each send a 15 MB frame at once (the limit is 16 MB)',
  fast: true,
  timeoutMs: 120_000,
  async run(scope) {
    const home = await daemon(scope)
    const pid = home.daemonPid()
    const before = rssMB(pid)
    const connections = await Promise.all(Array.from({length: 10}, () => rawConnect(home.socket)))
    for (const c of connections) c.hello()
    await waitFor('every hello answered', () => connections.every((c) => c.frames.length > 0), 20_000)
    const head = '{"id":1,"method":"ping","params":{"pad":"'
    const tail = '"}}\n'
    // Each just under the 16 MB frame limit: ten at once are 150 MB, five times the 32 MB budget.
    const frame = Buffer.alloc(15 * 1024 * 1024, 'x')
    frame.write(head, 0)
    frame.write(tail, frame.length - tail.length)
    let peak = before
    const sampler = setInterval(() => {
      if (isAlive(pid)) peak = Math.max(peak, rssMB(pid))
    }, 10)
    try {
      for (const c of connections) c.socket.write(frame)
      const told = (c) => c.frames.some((f) => f.id === 1 || errorCode(f) === 'busy') || c.socket.destroyed
      await waitFor('every connection answered or closed', () => connections.every(told), 90_000, 20)
    } finally {
      clearInterval(sampler)
    }
    const frames = connections.flatMap((c) => c.frames)
    const busy = connections.filter((c) => c.frames.some((f) => errorCode(f) === 'busy')).length
    const answered = connections.filter((c) => c.frames.some((f) => f.id === 1 && f.type === 'result')).length
    const internal = frames.filter((f) => errorCode(f) === 'internal').length
    for (const c of connections) c.socket.destroy()
    const ping = await call(home.socket, 'ping')
    // Memory comes back when the daemon's heap is collected: given 5 s to drop below twice what it was.
    const after = await waitFor('RSS to drop', () => (rssMB(pid) < 2 * before ? rssMB(pid) : null), 5000, 100).catch(() => rssMB(pid))
    const hwm = rssMB(pid, 'VmHWM')
    return {
      does: `${busy} told \`busy\`, ${answered} answered; a ping after: ${ms(ping.ms)}`,
      figure: `RSS ${mb(before)} → peak ${mb(Math.max(peak, hwm))} → ${mb(after)} after (≤ 5 s)`,
      data: {busy, answered, internal, rssBeforeMB: before, rssPeakMB: Math.max(peak, hwm), rssPeakSampledMB: peak, rssAfterMB: after, pingMs: ping.ms},
      checks: [
        ['some connections are told busy', busy >= 1],
        ['every connection answered or told busy', busy + answered === 10],
        ['no internal error', internal === 0],
        ['peak RSS below what the 10 frames would take (150 MB) plus the daemon', Math.max(peak, hwm) < before + 150],
        ['the daemon answers a ping after', ping.frame.type === 'result'],
      ],
    }
  },
}

export const silentConnections = {
  id: 3,
  name: 'silent connections',
  what: '300 connections opened at once, none saying hello',
  fast: true,
  // Past the limit the oldest silent connection makes room (src/daemon/api-server.ts): clients are never locked out.
  timeoutMs: 60_000,
  async run(scope) {
    const home = await daemon(scope)
    const opened = performance.now()
    const connections = await Promise.all(Array.from({length: 300}, () => rawConnect(home.socket).catch(() => null)))
    const refused = connections.filter((c) => c === null).length
    const open = connections.filter(Boolean)
    await waitFor('the ones past the limit told busy', () => open.filter((c) => c.socket.destroyed).length >= 300 - 256 - refused, 10_000)
    const busy = open.filter((c) => c.frames.some((f) => errorCode(f) === 'busy')).length
    // A well-behaved client meanwhile, over the socket and through the CLI.
    const during = await call(home.socket, 'status', {}, 15_000).catch((error) => ({frame: {error: {code: error.message}}, ms: NaN}))
    const cli = await home.mar(['status'])
    await waitFor('every connection closed', () => open.every((c) => c.socket.destroyed), 20_000, 50)
    const allClosedMs = performance.now() - opened
    const byTimeout = open.filter((c) => c.frames.some((f) => errorCode(f) === 'protocol')).length
    const after = await call(home.socket, 'status')
    const answeredMeanwhile = during.frame.type === 'result'
    return {
      does: `${busy} told \`busy\`; \`status\` meanwhile: ${answeredMeanwhile ? `answered in ${ms(during.ms)}` : `refused (${errorCode(during.frame)}; \`mar status\` exit ${cli.code})`}; the other ${byTimeout} closed by the hello timeout`,
      figure: `all closed after ${s(allClosedMs)}; status after: ${ms(after.ms)}`,
      data: {busy, refused, byTimeout, duringStatus: answeredMeanwhile ? 'answered' : errorCode(during.frame), duringMs: during.ms, cliCode: cli.code, cliMs: cli.ms, allClosedMs, statusAfterMs: after.ms},
      checks: [
        ['past 256 connections, silent ones made room (told busy)', busy >= 300 - 256 - refused],
        ['`status` answered meanwhile', answeredMeanwhile],
        ['`mar status` answered meanwhile', cli.code === 0],
        ['all closed within the 10 s hello timeout (+5 s)', allClosedMs < 15_000],
        ['the rest closed by the hello timeout (or made room later)', open.filter((c) => c.frames.some((f) => errorCode(f) === 'busy')).length + byTimeout === open.length],
        ['status answered after', after.frame.type === 'result'],
      ],
    }
  },
}

/** A small deterministic PRNG (mulberry32), so the same 200 plans go every run. */
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const hostile = [{}, [], null, true, '', '\u0000', 'a\u0000b', -1, 1e308, 2 ** 53, -(2 ** 31), 1.5, 'SIGKILL', '../../../etc', 'x'.repeat(100_000), {name: {}}, [[[[[]]]]], 'NaN']

/** Every path (array of keys) to a value inside `value`. */
function paths(value, prefix = [], out = []) {
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([...prefix, key])
      paths(value[key], [...prefix, key], out)
    }
  }
  return out
}

function mutated(plan, random) {
  const copy = structuredClone(plan)
  const all = paths(copy)
  const path = all[Math.floor(random() * all.length)]
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key]
  const key = path.at(-1)
  if (random() < 0.25 && !Array.isArray(node)) delete node[key]
  else node[key] = structuredClone(hostile[Math.floor(random() * hostile.length)])
  return copy
}

export const malformedPlans = {
  id: 4,
  name: 'malformed plans',
  what: '200 mutated `up` plans sent straight to the socket (`stop.signal: {}`, NUL bytes, missing fields, huge numbers…)',
  fast: true,
  timeoutMs: 120_000,
  async run(scope) {
    const home = scope.home()
    const dir = scope.project({'mar.yaml': 'name: fuzz\nrunners:\n  w: { cmd: "exec sleep 301", stop: { timeout: 2s } }\n'})
    const up = await home.mar(['up'], {cwd: dir})
    if (up.code !== 0) throw new Error(`mar up: exit ${up.code} ${up.stderr}`)
    const plan = JSON.parse(readFileSync(join(home.path, 'stacks', 'fuzz.json'), 'utf8')).plan
    const random = prng(12)
    const w = ['groups', 0, 'runners', 0, 'instances', 0]
    const set = (path, value) => {
      const copy = structuredClone(plan)
      let node = copy
      for (const key of path.slice(0, -1)) node = node[key]
      if (value === undefined) delete node[path.at(-1)]
      else node[path.at(-1)] = value
      return copy
    }
    const named = [
      set([...w, 'stop', 'signal'], {}),
      set([...w, 'env'], {A: 'x\u0000y'}),
      set([...w, 'command'], {shell: 'sleep\u0000 1'}),
      set([...w, 'command'], undefined),
      set(['groups'], undefined),
      set([...w, 'stop', 'timeoutMs'], 2 ** 40),
      set([...w, 'restart', 'backoff', 'initialMs'], 1e308),
      set(['name'], '../../etc'),
    ]
    const plans = [...named, ...Array.from({length: 200 - named.length}, () => mutated(plan, random))]
    const c = await rawConnect(home.socket)
    c.hello()
    plans.forEach((p, i) => c.send(`${JSON.stringify({id: i + 1, method: 'up', params: {plan: p, targets: []}})}\n`))
    const answer = (id) => c.frames.find((f) => f.id === id && f.type !== 'item' && f.type !== 'notice')
    await waitFor('an answer to every plan', () => plans.every((_, i) => answer(i + 1)) || c.socket.destroyed, 90_000, 50)
    const answers = plans.map((_, i) => answer(i + 1))
    c.socket.destroy()
    const count = (code) => answers.filter((a) => errorCode(a) === code).length
    const accepted = answers.filter((a) => a?.type === 'result')
    const other = answers.filter((a) => a && a.type === 'error' && !['bad-request', 'internal'].includes(errorCode(a))).map(errorCode)
    const unanswered = answers.filter((a) => !a).length
    // Whatever was accepted is taken down, then the daemon is stopped: nothing may be left.
    const stacks = [...new Set(accepted.map((a) => a.data.stack))]
    for (const stack of stacks) await call(home.socket, 'down', {stack: {name: stack}, targets: []}, 30_000).catch(() => undefined)
    const pid = home.daemonPid()
    const stop = await home.mar(['daemon', 'stop'])
    await waitFor('the daemon to stop', () => !isAlive(pid), 30_000, 50)
    const spawned = readFileSync(join(home.path, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.t === 'spawn').map((r) => r.pid)
    const left = [...new Set([...processesWithEnv(`MAR_HOME=${home.path}`), ...spawned.filter(isAlive)])]
    return {
      does: `${count('bad-request')} \`bad-request\`, ${accepted.length} accepted (run, then taken down), ${count('internal')} internal errors${other.length ? `, other: ${[...new Set(other)].join(', ')}` : ''}`,
      figure: `${left.length} processes left after \`down\` + \`daemon stop\``,
      data: {badRequest: count('bad-request'), accepted: accepted.length, internal: count('internal'), other, unanswered, left: left.length, spawned: spawned.length, stopCode: stop.code},
      checks: [
        ['no internal error', count('internal') === 0],
        ['every plan answered', unanswered === 0],
        ['most plans refused as bad-request', count('bad-request') >= 100],
        ['nothing left running', left.length === 0],
      ],
    }
  },
}
