// `npm run bench` section `remote`: a stack over ssh (README, "Remote hosts")
// against the same work on one local daemon, measured in the same run.
// Two real OpenSSH servers on loopback (test/helpers/sshd.ts, bundled with
// esbuild into a temp .mjs at bench time) play the hosts h1 and h2; the hub
// is a mar daemon in the lab's short MAR_HOME; the baseline is a second local
// daemon in a MAR_HOME of its own. Both sides use the default containment.
//   up:       `mar up` of 2 hosts × 50 `sleep 1000` until it exits 0, against
//             `mar up` of the same 100 instances on the local daemon; the
//             agent already installed and the ssh master up (the first `up`,
//             which uploads the agent, is timed on its own). `mar down` too.
//   memory:   VmRSS of the hub daemon and of each host's daemon with the
//             2 × 50 stack up (and of the ssh processes and the hosts'
//             `dial-stdio` relays), against the local daemon holding 100.
//   logs -f:  an instance printing its own clock every 100 ms (and one every
//             200 ms: see tickerCmd); a `mar logs -f --json` follower on the
//             hub; delay = received − printed, p50/p90 over 100 lines,
//             remote against the same on the local daemon.
//   resync:   a remote flood (100 lines / 10 ms, numbered, with their clock);
//             mid-flood every ssh process of the hub (its children that are
//             ssh and the ControlMasters) is killed; a hub follower tells when
//             the link is back, when the hub is caught up (the last line
//             delayed more than the threshold) and the catch-up rate; at the
//             end every line must be stored in the hub once, in order.
//   BENCH_REMOTE_ROUNDS=3   rounds of the up/down comparison (alternating sides)
//   BENCH_REMOTE_N=50       instances per host
//   BENCH_REMOTE_FLOOD=100000  lines of the resync flood
//   BENCH_JSON=FILE         write the figures as JSON (FILE.remote.json)
// Skipped (a line says why) without sshd, ssh-keygen, ssh-keyscan, or root.
// Everything it starts is stopped by pid at the end: daemons asked with
// `mar daemon stop` then killed, the lab's sshd, masters and host daemons by
// lab.cleanup(); temp directories removed.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, release, tmpdir} from 'node:os'
import {join} from 'node:path'
import {median, printTable, root} from './lib.mjs'
import {MarHome} from './mar-home.mjs'
import {childCounter, childrenOf, cleanEnv, isAlive, killTree, rssOf, run, signal, sleep, startSection, waitUntil} from './proc.mjs'

const SETTLE_MS = 3000
const ms = (v) => (v === null || v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(v < 10 ? 2 : 0)} ms`)
const mb = (b) => (b === null || b === undefined ? '—' : `${(b / 1048576).toFixed(1)} MB`)
const x = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—')
/** Wall-clock ms with sub-ms precision, comparable across processes on this machine. */
const wall = () => performance.timeOrigin + performance.now()

function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/** Why the section cannot run here, or null. */
function skipReason() {
  if (!existsSync('/usr/sbin/sshd')) return 'no /usr/sbin/sshd'
  for (const c of ['ssh', 'ssh-keygen', 'ssh-keyscan']) if (!hasCommand(c)) return `no ${c}`
  if (process.getuid?.() !== 0) return 'not root (the lab listens on 127.0.0.2, 127.0.0.3)'
  if (!existsSync(join(root, 'dist/agent.cjs'))) return 'no dist/agent.cjs (npm run build)'
  return null
}

/** test/helpers/sshd.ts (and the socket client it uses), bundled into a temp .mjs. */
async function loadLabHelpers(scratch) {
  const entry = join(scratch, 'lab-entry.ts')
  writeFileSync(entry, `export * from ${JSON.stringify(join(root, 'test/helpers/sshd.ts'))}\nexport {connectSocket} from ${JSON.stringify(join(root, 'src/api/transports.ts'))}\n`)
  const outfile = join(scratch, 'lab.mjs')
  const {build} = await import('esbuild')
  await build({entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', external: ['unix-dgram']})
  return import(outfile)
}

const cmdlineOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1)
  } catch {
    return []
  }
}

/** Every pid whose command line contains all of `parts`. */
function pidsWith(...parts) {
  const found = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const line = cmdlineOf(Number(entry)).join(' ')
    if (line && parts.every((p) => line.includes(p))) found.push(Number(entry))
  }
  return found
}

const quantile = (values, q) => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/** A mar daemon at a given MAR_HOME (the hub at the lab's), torn down like bench/mar-home.mjs's. */
function homeAt(label, marHome) {
  const home = new MarHome(label)
  if (marHome) {
    home.home = marHome
    home.env = cleanEnv({MAR_HOME: marHome, NO_COLOR: '1'})
  }
  return home
}

async function upDown(home, cwd, {n, daemons, between = async () => ({})}) {
  // Sleeps under the daemons, counted while `up` runs; the hosts' daemons are looked up on
  // every poll (the first up starts them).
  const counters = new Map()
  const count = () => {
    for (const pid of daemons()) if (!counters.has(pid)) counters.set(pid, childCounter(pid, 'sleep'))
    let sum = 0
    for (const counter of counters.values()) sum += counter()
    return sum
  }
  const up = home.start(['up', '--timeout', '120s'], cwd)
  const running = waitUntil(() => count() >= n, {since: up.began, what: `${n} sleep processes`, timeoutMs: 120_000})
  const upDone = await up.exited
  if (upDone.code !== 0) throw new Error(`mar up exited ${upDone.code}: ${upDone.stderr.slice(-2000)}`)
  const allRunning = await running
  const extra = await between(daemons())
  const down = home.start(['down'], cwd)
  const gone = waitUntil(() => count() === 0, {since: down.began, what: 'no sleep left', timeoutMs: 60_000})
  const downDone = await down.exited
  if (downDone.code !== 0) throw new Error(`mar down exited ${downDone.code}: ${downDone.stderr.slice(-2000)}`)
  const noneLeft = await gone
  return {upMs: upDone.ms, runningMs: allRunning.ms, downMs: downDone.ms, goneMs: noneLeft.ms, ...extra}
}

/** A `mar logs -f --json RUNNER` follower: every line with the wall time it was received. */
function follow(home, cwd, runner, onLine, backlog = 0) {
  const child = run([process.execPath, join(root, 'bin/run.js'), 'logs', '-f', '--json', '-n', String(backlog), runner], {env: home.env, cwd})
  let rest = ''
  child.child.stdout.on('data', (chunk) => {
    const at = wall()
    const text = rest + chunk.toString()
    const lines = text.split('\n')
    rest = lines.pop()
    for (const line of lines) {
      if (!line) continue
      try {
        onLine(JSON.parse(line), at)
      } catch {
        // not JSON: ignored
      }
    }
  })
  return child
}

// Two tickers: every 100 ms (a line comes before the daemon's 100 ms pause between busy rounds
// ends, so its tailer stays busy and a line waits for the next round: up to 100 ms, and where in
// that window depends on the phase of the two clocks), and every 200 ms (the tailer goes idle
// between lines, and fs.watch wakes it at each write: the pipeline's own delay).
const tickerCmd = (period) => `[node, -e, "setInterval(() => console.log('t ' + (performance.timeOrigin + performance.now()).toFixed(3)), ${period})"]`

async function latency(home, cwd, runner, {lines = 100, log}) {
  const got = []
  const began = wall()
  const follower = follow(home, cwd, runner, (entry, at) => {
    const m = /^t ([\d.]+)$/.exec(entry.line)
    if (m && Number(m[1]) > began) got.push(at - Number(m[1]))
  })
  try {
    await waitUntil(() => got.length >= lines || follower.child.exitCode !== null, {everyMs: 50, timeoutMs: 60_000, what: `${lines} ticker lines`})
    if (got.length < lines) throw new Error(`logs -f exited: ${(await follower.exited).stderr.slice(-1000)}`)
  } finally {
    signal(follower.child.pid, 'SIGTERM')
    await follower.exited
  }
  const d = got.slice(0, lines)
  log(`    ${lines} lines: p50 ${ms(quantile(d, 0.5))}, p90 ${ms(quantile(d, 0.9))}, max ${ms(Math.max(...d))}`)
  return {lines: d.length, p50: quantile(d, 0.5), p90: quantile(d, 0.9), max: Math.max(...d), delays: d}
}

async function resync({hub, cwd, lab, total, log}) {
  const received = [] // [n, printedAt, receivedAt]
  let done = null
  const up = await hub.start(['up', '--timeout', '60s'], cwd).exited
  if (up.code !== 0) throw new Error(`mar up (flood) exited ${up.code}: ${up.stderr.slice(-2000)}`)
  // From the first line on (-n covers the whole flood), then following.
  const follower = follow(hub, cwd, 'flood', (entry, at) => {
    const m = /^n (\d+) ([\d.]+)$/.exec(entry.line)
    if (m) received.push([Number(m[1]), Number(m[2]), at])
    else if (entry.line === 'done') done = at
  }, total + 100)
  try {
    // Steady state first: the follower's own backlog read, then 2 s of following.
    await waitUntil(() => received.length > 0, {everyMs: 5, timeoutMs: 60_000, what: 'the first flood line in the hub'})
    await sleep(2500)
    if (done !== null) throw new Error('the flood ended before the kill; raise its total')
    const hubPid = hub.daemonPid
    const victims = [...childrenOf(hubPid).filter((pid) => cmdlineOf(pid)[0]?.endsWith('ssh')), ...lab.masters().values()]
    if (victims.length === 0) throw new Error('no ssh process of the hub to kill')
    const killAt = wall()
    const atKill = received.length
    for (const pid of victims) signal(pid, 'SIGKILL')
    log(`    killed ${victims.length} ssh processes (${victims.join(', ')}) with ${atKill} lines in the hub`)
    await waitUntil(() => done !== null, {everyMs: 20, timeoutMs: 180_000, what: 'the flood\'s last line in the hub'})
    await sleep(300)
    // Steady delay in the last second before the kill: the threshold for "caught up".
    const before = received.slice(0, atKill).filter(([, p]) => p >= killAt - 1000).map(([, p, r]) => r - p)
    const steadyP99 = quantile(before, 0.99)
    const threshold = Math.max(100, 2 * steadyP99)
    const after = received.slice(atKill)
    // The link is back after the longest silence following the kill (lines in flight at the kill arrive first).
    let backIndex = 0
    let longest = -1
    after.forEach(([, , r], i) => {
      const gap = r - (i === 0 ? killAt : after[i - 1][2])
      if (gap > longest) [longest, backIndex] = [gap, i]
    })
    const back = after[backIndex]
    let last = -1
    after.forEach(([, p, r], i) => {
      if (r - p > threshold) last = i
    })
    const caught = after[Math.max(0, last)]
    const lastN = received.at(-1)[0]
    const printedBy = (t) => received.filter(([, p]) => p <= t).length
    // Lines printed by the time the link was back that the hub did not have yet.
    const backlog = printedBy(back[2]) - (atKill + backIndex)
    const catchUpLines = after.filter(([, , r]) => r >= back[2] && r <= caught[2]).length
    const catchUpSecs = (caught[2] - back[2]) / 1000
    const floodSecs = (received.at(-1)[1] - received[0][1]) / 1000
    // Integrity as the hub stores it (not only as the follower saw it).
    const stored = await hub.cli(['logs', 'flood', '-n', String(total + 100), '--json'], cwd)
    const lines = stored.stdout.trim().split('\n').map((l) => JSON.parse(l).line)
    const numbers = lines.filter((l) => l.startsWith('n ')).map((l) => Number(l.split(' ')[1]))
    const inOrder = numbers.length === total && numbers.every((v, i) => v === i + 1) && lines.filter((l) => l === 'done').length === 1
    const figures = {
      total,
      victims: victims.length,
      atKill,
      linkBackMs: back[2] - killAt,
      silenceMs: longest,
      caughtUpMs: caught[2] - killAt,
      backlog,
      catchUpLines,
      catchUpRate: catchUpSecs > 0 ? catchUpLines / catchUpSecs : null,
      floodRate: total / floodSecs,
      steadyP50: quantile(before, 0.5),
      steadyP99,
      threshold,
      maxDelay: Math.max(...after.map(([, p, r]) => r - p)),
      followerSaw: received.length,
      followerInOrder: received.every(([v], i) => v === i + 1),
      stored: numbers.length,
      storedInOrder: inOrder,
      lastN,
    }
    log(`    link back ${ms(figures.linkBackMs)}, caught up ${ms(figures.caughtUpMs)} after the kill; backlog ${backlog} lines; catch-up ${figures.catchUpRate?.toFixed(0)} lines/s (flood ${figures.floodRate.toFixed(0)} lines/s); stored ${numbers.length}/${total}, in order: ${inOrder}`)
    const down = await hub.start(['down'], cwd).exited
    if (down.code !== 0) throw new Error(`mar down (flood) exited ${down.code}: ${down.stderr.slice(-2000)}`)
    return figures
  } finally {
    signal(follower.child.pid, 'SIGTERM')
    await follower.exited
  }
}

export async function benchRemote() {
  const why = skipReason()
  if (why) {
    console.log(`\nRemote hosts bench: skipped — ${why}`)
    return {skipped: why}
  }
  const rounds = Number(process.env.BENCH_REMOTE_ROUNDS ?? 3)
  const n = Number(process.env.BENCH_REMOTE_N ?? 50)
  const total = Number(process.env.BENCH_REMOTE_FLOOD ?? 100_000)
  const {cleanup, log, done} = startSection('Remote hosts bench', `2 sshd on loopback, hub + 2 host daemons vs 1 local daemon, ${rounds} rounds`)
  const results = {machine: {cpus: cpus().length, node: process.version, kernel: release(), loadStart: loadavg()}, n, rounds}
  const began = performance.now()
  const scratch = mkdtempSync(join(tmpdir(), 'mb-remote-'))
  cleanup.add(() => rmSync(scratch, {recursive: true, force: true}))
  let lab
  try {
    const helpers = await loadLabHelpers(scratch)
    lab = await helpers.startSshLab([{name: 'h1'}, {name: 'h2'}])
    const hostDaemonPids = new Set()
    cleanup.add(async () => {
      for (const h of lab.hosts) if (h.daemonPid()) hostDaemonPids.add(h.daemonPid())
      await lab.cleanup()
      // Whatever a host daemon left (its instances are in their own groups).
      for (const pid of hostDaemonPids) if (isAlive(pid) || childrenOf(pid).length > 0) killTree(pid)
      for (const h of lab.hosts) MarHome.prototype.killCgroups.call({home: h.marHome})
    })
    const hub = homeAt('rhub', lab.hubHome)
    cleanup.add(() => hub.teardown())
    const local = homeAt('rloc')
    cleanup.add(() => local.teardown())
    const hubPid = await hub.startDaemon()
    const localPid = await local.startDaemon()
    const hostPids = () => lab.hosts.map((h) => h.daemonPid()).filter((p) => p && isAlive(p))

    const header = `ssh_config: ${lab.config}\nhosts:\n  h1: {ssh: h1}\n  h2: {ssh: h2}\n`
    const remoteFleet = hub.stack('fleet', `name: rfleet\n${header}runners:\n  a: {cmd: [sleep, "1000"], scale: ${n}, hosts: [h1]}\n  b: {cmd: [sleep, "1000"], scale: ${n}, hosts: [h2]}\n`)
    const localFleet = local.stack('fleet', `name: lfleet\nrunners:\n  a: {cmd: [sleep, "1000"], scale: ${n}}\n  b: {cmd: [sleep, "1000"], scale: ${n}}\n`)

    // 1. The first up: ssh masters, agent upload, the hosts' daemons started.
    log(`first up (agent upload): 2 hosts × ${n}`)
    const rssHubIdle = rssOf(hubPid)
    results.first = await upDown(hub, remoteFleet, {n: 2 * n, daemons: hostPids})
    log(`  first up ${ms(results.first.upMs)}, down ${ms(results.first.downMs)}`)
    const uploaded = lab.hosts.map((h) => existsSync(join(h.marHome, 'agent')))
    if (!uploaded.every(Boolean)) throw new Error(`the agent is not on every host: ${uploaded}`)

    // 2. Rounds, alternating which side goes first; RSS after settling in the first.
    const remoteRuns = []
    const localRuns = []
    const remoteRound = (measureRss) =>
      upDown(hub, remoteFleet, {
        n: 2 * n,
        daemons: hostPids,
        between: async (hosts) => {
          if (!measureRss) return {}
          await sleep(SETTLE_MS)
          const ssh = [...childrenOf(hubPid).filter((pid) => cmdlineOf(pid)[0]?.endsWith('ssh')), ...lab.masters().values()]
          const relays = lab.hosts.flatMap((h) => pidsWith('dial-stdio', h.marHome))
          return {
            rss: {hub: rssOf(hubPid), hosts: hosts.map((pid) => rssOf(pid)), ssh: ssh.reduce((s, p) => s + (rssOf(p) ?? 0), 0), sshCount: ssh.length, relays: relays.reduce((s, p) => s + (rssOf(p) ?? 0), 0), relayCount: relays.length},
          }
        },
      })
    const localRound = (measureRss) =>
      upDown(local, localFleet, {
        n: 2 * n,
        daemons: () => [localPid],
        between: async () => {
          if (!measureRss) return {}
          await sleep(SETTLE_MS)
          return {rss: {local: rssOf(localPid)}}
        },
      })
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['remote', 'local'] : ['local', 'remote']
      for (const side of order) {
        if (side === 'remote') remoteRuns.push(await remoteRound(round === 0))
        else localRuns.push(await localRound(round === 0))
      }
      log(`  round ${round + 1}/${rounds}: remote up ${ms(remoteRuns.at(-1).upMs)} down ${ms(remoteRuns.at(-1).downMs)}; local up ${ms(localRuns.at(-1).upMs)} down ${ms(localRuns.at(-1).downMs)}`)
    }
    const med = (list, key) => median(list.map((r) => r[key]))
    const figs = (list) => ({upMs: med(list, 'upMs'), runningMs: med(list, 'runningMs'), downMs: med(list, 'downMs'), goneMs: med(list, 'goneMs'), runs: list.map(({rss, ...r}) => r)})
    results.remote = figs(remoteRuns)
    results.local = figs(localRuns)
    results.rss = {...remoteRuns[0].rss, local: localRuns[0].rss.local, hubIdle: rssHubIdle}

    // 3. logs -f latency: remote and local tickers, each followed in turn.
    log('logs -f latency: 100 lines of a ticker every 100 ms and of one every 200 ms, each side')
    const tickers = `  busy: {cmd: ${tickerCmd(100)}, hosts: [h1]}\n  idle: {cmd: ${tickerCmd(200)}, hosts: [h1]}\n`
    const remoteTick = hub.stack('tick', `name: rtick\n${header}runners:\n${tickers}`)
    const localTick = local.stack('tick', `name: ltick\nrunners:\n${tickers.replaceAll(', hosts: [h1]', '')}`)
    for (const [home, cwd] of [[hub, remoteTick], [local, localTick]]) {
      const up = await home.start(['up', '--timeout', '60s'], cwd).exited
      if (up.code !== 0) throw new Error(`mar up (ticker) exited ${up.code}: ${up.stderr.slice(-2000)}`)
    }
    results.latency = {}
    for (const runner of ['busy', 'idle']) {
      log(`  ${runner}, remote (h1 → hub):`)
      results.latency[`${runner}Remote`] = await latency(hub, remoteTick, runner, {log})
      log(`  ${runner}, local:`)
      results.latency[`${runner}Local`] = await latency(local, localTick, runner, {log})
    }
    for (const [home, cwd] of [[hub, remoteTick], [local, localTick]]) await home.cli(['down'], cwd)

    // 4. Resync after the ssh processes are killed mid-flood.
    log(`resync: a flood of ${total} lines (100 / 10 ms) on h1, the hub's ssh processes killed after 2.5 s of following`)
    const floodCmd = `[node, -e, "let i = 0; const t = setInterval(() => { for (let k = 0; k < 100; k++) console.log('n ' + (++i) + ' ' + (performance.timeOrigin + performance.now()).toFixed(3)); if (i >= ${total}) { clearInterval(t); console.log('done') } }, 10); setInterval(() => {}, 60000)"]`
    const floodDir = hub.stack('flood', `name: rflood\n${header}runners:\n  flood: {cmd: ${floodCmd}, hosts: [h1]}\n`)
    results.resync = await resync({hub, cwd: floodDir, lab, total, log})
  } finally {
    results.machine.loadEnd = loadavg()
    await cleanup.run()
    done()
  }
  results.seconds = (performance.now() - began) / 1000
  print(results)
  if (process.env.BENCH_JSON) {
    const file = process.env.BENCH_JSON.replace(/(\.json)?$/, '.remote.json')
    writeFileSync(file, `${JSON.stringify(results, (k, v) => (k === 'delays' ? undefined : v), 2)}\n`)
    console.log(`figures written to ${file}`)
  }
  return results
}

function print(r) {
  const {remote: R, local: L, first: F, rss, n} = r
  printTable(`Remote hosts: 2 hosts × ${n} vs ${2 * n} on one local daemon (medians of ${r.rounds} rounds; same containment)`, [
    ['figure', 'remote (hub + 2 hosts)', 'local daemon', 'ratio'],
    ['`mar up` returns (agent installed)', ms(R.upMs), ms(L.upMs), x(R.upMs, L.upMs)],
    ['all sleeps running', ms(R.runningMs), ms(L.runningMs), x(R.runningMs, L.runningMs)],
    ['`mar down` returns', ms(R.downMs), ms(L.downMs), x(R.downMs, L.downMs)],
    ['none left', ms(R.goneMs), ms(L.goneMs), x(R.goneMs, L.goneMs)],
    ['first `mar up` (ssh master, agent upload, host daemons start)', ms(F.upMs), ms(L.upMs), x(F.upMs, L.upMs)],
    ['daemon RSS with the stack up', `hub ${mb(rss.hub)} + ${rss.hosts.map(mb).join(' + ')}`, mb(rss.local), `hub ${x(rss.hub, rss.local)}, each host ${rss.hosts.map((h) => x(h, rss.local)).join(' / ')}`],
    ['  hub idle before the first up', mb(rss.hubIdle), '', ''],
    ['  ssh processes on the hub / dial-stdio relays on the hosts', `${mb(rss.ssh)} (${rss.sshCount}) / ${mb(rss.relays)} (${rss.relayCount})`, '', ''],
    ...['busy', 'idle'].flatMap((k) => {
      const [R, L] = [r.latency[`${k}Remote`], r.latency[`${k}Local`]]
      const what = k === 'busy' ? 'a line every 100 ms' : 'a line every 200 ms'
      return [
        [`\`logs -f\` delay p50 / p90, ${what}`, `${ms(R.p50)} / ${ms(R.p90)}`, `${ms(L.p50)} / ${ms(L.p90)}`, `${x(R.p50, L.p50)} / ${x(R.p90, L.p90)}`],
        [`  max (${R.lines} lines)`, ms(R.max), ms(L.max), x(R.max, L.max)],
      ]
    }),
  ])
  const s = r.resync
  printTable(`Resync: ${s.total} lines flooded on h1, ${s.victims} ssh processes of the hub killed with ${s.atKill} lines in the hub`, [
    ['figure', 'value'],
    ['kill → first new line in the hub (link back)', ms(s.linkBackMs)],
    ['kill → caught up (last line delayed > threshold)', `${ms(s.caughtUpMs)} (threshold ${ms(s.threshold)}: 2× steady p99, ≥ 100 ms)`],
    ['backlog when the link came back', `${s.backlog} lines`],
    ['catch-up rate (lines received from link back to caught up)', `${s.catchUpRate?.toFixed(0) ?? '—'} lines/s (${s.catchUpLines} lines)`],
    ['the flood\'s own rate', `${s.floodRate.toFixed(0)} lines/s`],
    ['steady delay before the kill p50 / p99', `${ms(s.steadyP50)} / ${ms(s.steadyP99)}`],
    ['worst delay after the kill', ms(s.maxDelay)],
    ['stored in the hub / in order, once', `${s.stored}/${s.total} / ${s.storedInOrder ? 'yes' : 'NO'}`],
  ])
  const load = (l) => l.map((v) => v.toFixed(2)).join(' ')
  console.log(`\n(remote section: ${r.seconds.toFixed(0)} s; load average ${load(r.machine.loadStart)} at the start, ${load(r.machine.loadEnd)} at the end, ${r.machine.cpus} CPUs)`)
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRemote()
