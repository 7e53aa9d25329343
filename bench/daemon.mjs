// `npm run bench` section `daemon`: issue 5's performance goals for the
// daemon, each as a ratio against a baseline measured in the same run
// (bench/baseline/: the least a Node process manager must do).
//   BENCH_DAEMON=fleet,capture,respawn   pick parts (default: all)
//   BENCH_ROUNDS=3                       rounds of the 200-instance start/stop
//   BENCH_CAPTURE_ROUNDS=7               rounds of log capture (default: BENCH_ROUNDS, at least 7)
//   BENCH_N=200                          instances in the fleet
//   BENCH_PEERS=pm2,supervisord          also measure peers (pm2 is installed into a temp prefix)
//   BENCH_JSON=FILE                      write every figure as JSON
// Every process the bench starts is stopped at the end, by pid or process
// group, also when a measurement fails or the bench is interrupted.
import {writeFileSync} from 'node:fs'
import {cpus, loadavg, release} from 'node:os'
import {printTable} from './lib.mjs'
import {benchFleet} from './daemon-fleet.mjs'
import {benchCapture} from './daemon-logs.mjs'
import {benchRespawn} from './daemon-restart.mjs'
import {benchPm2, benchSupervisord} from './peers.mjs'
import {startSection} from './proc.mjs'

const ms = (value) => (value === null || value === undefined ? '—' : `${value.toFixed(value < 10 ? 2 : 0)} ms`)
const mb = (bytes) => (bytes === null || bytes === undefined ? '—' : `${(bytes / 1048576).toFixed(1)} MB`)
const x = (value) => `${value.toFixed(2)}×`

function goal(name, how, mar, baseline, {ratio, shown, target, pass, format = ms}) {
  return {goal: name, how, mar, baseline, ratio, shown: shown ?? x(ratio), target, pass, format}
}

function goals({fleet, capture, respawn}) {
  const rows = []
  if (fleet) {
    const {mar: m, baseline: b} = fleet
    const n = fleet.n
    const start = (label, how, mine, theirs) => goal(label, how, mine, theirs, {ratio: mine / theirs, target: '≤ 1.3×', pass: mine / theirs <= 1.3})
    rows.push(start(`start ${n}: all running, again`, `${n} sleep in /proc; plan cached`, m.again.runningMs, b.runningMs))
    rows.push(start(`start ${n}: all running, first up`, `${n} sleep in /proc; nothing cached`, m.runningMs, b.runningMs))
    // Not a goal: without a probe, `mar up` confirms an instance once it stayed up 250 ms (README, "mar up").
    rows.push(goal(`start ${n}: \`mar up\` returns`, 'command wall time (+250 ms check)', m.upMs, b.upMs, {ratio: m.upMs / b.upMs, target: '—', pass: null}))
    rows.push(goal(`stop ${n}: none left`, 'no sleep child in /proc', m.goneMs, b.goneMs, {ratio: m.goneMs / b.goneMs, target: '≤ 1.5×', pass: m.goneMs / b.goneMs <= 1.5}))
    rows.push(goal(`stop ${n}: \`mar down\` returns`, 'command wall time', m.downMs, b.downMs, {ratio: m.downMs / b.downMs, target: '≤ 1.5×', pass: m.downMs / b.downMs <= 1.5}))
    rows.push(goal(`status --json, ${n} instances`, 'vs node -e 0, median of 15', m.statusMs, b.nodeMs, {ratio: m.statusMs / b.nodeMs, target: '≤ 2.5×', pass: m.statusMs / b.nodeMs <= 2.5}))
    rows.push(goal(`daemon RSS, ${n} instances`, `VmRSS after ${fleet.settleMs / 1000} s`, m.rss, b.rss, {ratio: m.rss / b.rss, target: '≤ 1.2×', pass: m.rss / b.rss <= 1.2, format: mb}))
  }
  if (capture) {
    const {mar: m, baseline: b} = capture
    const r = m.linesPerSec / b.linesPerSec
    const fmtRate = (v) => `${(v / 1e6).toFixed(2)} M lines/s`
    rows.push(goal(`log capture ${capture.writers}×${capture.lines / capture.writers / 1000}k lines`, 'throughput until stored', m.linesPerSec, b.linesPerSec, {ratio: r, target: '≥ 0.9×', pass: r >= 0.9, format: fmtRate}))
    const bad = m.missing + m.split + m.duplicated + m.stderrBytes
    rows.push({
      goal: 'log capture integrity',
      how: `${capture.rounds} rounds, every line checked`,
      mar: `${m.missing}/${m.split}/${m.duplicated}`,
      baseline: `${b.missing}/${b.split}/${b.duplicated}`,
      shown: 'missing/split/dup',
      target: '0/0/0',
      pass: bad === 0,
      format: (v) => v,
    })
  }
  if (respawn) {
    const {mar: m, baseline: b} = respawn
    const diff = m.median - b.median
    rows.push(goal('crash → restart, 0 backoff', 'median gap between starts', m.median, b.median, {ratio: m.median / b.median, shown: `${diff >= 0 ? '+' : ''}${diff.toFixed(2)} ms`, target: '≤ +5 ms', pass: diff <= 5}))
  }
  return rows
}

function printGoals(rows) {
  printTable('Daemon (issue 5 goals; NODE_EXTRA_CA_CERTS unset for every process)', [
    ['goal', 'measured as', 'mar', 'baseline', 'ratio', 'target', 'result'],
    ...rows.map((r) => [r.goal, r.how, r.format(r.mar), r.format(r.baseline), r.shown, r.target, r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL']),
  ])
}

function printRaw({fleet, capture, respawn}) {
  const list = (values, f = ms) => values.map((v) => f(v)).join(', ')
  const rows = [['figure', 'mar', 'baseline']]
  if (fleet) {
    const {mar: m, baseline: b} = fleet
    rows.push(['containment (goal rows)', fleet.containment.replace(/ \(.*$/, ''), 'process groups'])
    rows.push(['command in mar.yaml', m.command, 'sleep 600 (argv, no shell)'])
    rows.push(['start: first sleep exists, per round', list(m.runs.map((r) => r.firstMs)), list(b.runs.map((r) => r.firstMs))])
    rows.push(['start: all running, per round', list(m.runs.map((r) => r.runningMs)), list(b.runs.map((r) => r.runningMs))])
    rows.push(['start: command returns, per round', list(m.runs.map((r) => r.upMs)), list(b.runs.map((r) => r.upMs))])
    rows.push(['start: inside the baseline (no node start-up)', '', ms(b.upInsideMs)])
    rows.push(['stop: none left, per round', list(m.runs.map((r) => r.goneMs)), list(b.runs.map((r) => r.goneMs))])
    rows.push(['stop: command returns, per round', list(m.runs.map((r) => r.downMs)), list(b.runs.map((r) => r.downMs))])
    rows.push(['stop: inside the baseline (no node start-up)', '', ms(b.downInsideMs)])
    rows.push(['start again (plan cached, logs exist): first / all running / returns', `${ms(m.again.firstMs)} / ${ms(m.again.runningMs)} / ${ms(m.again.upMs)}`, ''])
    rows.push(['start again: all running, per round', list(m.runs.map((r) => r.again.runningMs)), ''])
    rows.push(['stop again: none left / returns', `${ms(m.again.goneMs)} / ${ms(m.again.downMs)}`, ''])
    const c = fleet.cgroup
    rows.push([`${c.containment.replace(/ \(.*$/, '')}: all running first / again`, `${ms(c.runningMs)} / ${ms(c.again.runningMs)}`, ''])
    rows.push([`${c.containment.replace(/ \(.*$/, '')}: none left / down returns`, `${ms(c.goneMs)} / ${ms(c.downMs)}`, ''])
    const cpu = (runs) => runs.map((r) => `${r.cpu.startMs}/${r.cpu.idleMs}/${r.cpu.stopMs}/${r.cpu.childrenMs}`).join(', ')
    rows.push(['CPU ms: manager start* / idle 3 s (+status) / stop / children', cpu(m.runs), cpu(b.runs)])
    rows.push(['RSS idle (before up)', mb(m.rssIdle), ''])
    rows.push(['RSS with instances, per round', list(m.runs.map((r) => r.rss), mb), list(b.runs.map((r) => r.rss), mb)])
    rows.push(['RSS after 32 status requests', mb(m.rssAfterStatus), ''])
    rows.push(['status --json / node -e 0', ms(m.statusMs), ms(b.nodeMs)])
  }
  if (capture) {
    const {mar: m, baseline: b} = capture
    rows.push(['capture: until stored, per round', list(m.runs.map((r) => r.ms)), list(b.runs.map((r) => r.ms))])
    rows.push(['capture: first writer started, per round', list(m.runs.map((r) => r.firstWriterMs)), list(b.runs.map((r) => r.firstWriterMs))])
    rows.push(['capture: writers ran (first start → last exit), per round', list(m.runs.map((r) => r.writersMs)), list(b.runs.map((r) => r.writersMs))])
    const cpu = (r) => (r.cpu ? `${(r.cpu.daemonMs ?? r.cpu.holderMs).toFixed(0)}+${r.cpu.reapedMs.toFixed(0)}${r.cpu.helpersMs !== undefined ? `+${r.cpu.helpersMs.toFixed(0)}` : ''}` : '—')
    rows.push(['capture: CPU ms manager+reaped children(+helpers)', m.runs.map(cpu).join(', '), b.runs.map(cpu).join(', ')])
    rows.push(['capture: `mar up` (oneshots exited), per round', list(m.runs.map((r) => r.upMs)), ''])
    rows.push(['capture: stored bytes beyond expected / on stderr', `${m.extraBytes} / ${m.stderrBytes}`, ''])
  }
  if (respawn) {
    const {mar: m, baseline: b, floor} = respawn
    rows.push([`restart gap median / p90 (${m.count} gaps)`, `${ms(m.median)} / ${ms(m.p90)}`, `${ms(b.median)} / ${ms(b.p90)}`])
    rows.push(['restart gap with no supervisor (sh loop)', '', `${ms(floor.median)} / ${ms(floor.p90)}`])
  }
  printTable('Daemon: raw figures', rows)
  if (fleet) console.log('  * start CPU: the daemon\'s alone for mar (the CLI is not counted), the whole baseline process (node start-up included)')
}

function printPeers(fleet, peers) {
  const names = Object.keys(peers)
  const cell = (peer, key, f) => (peers[peer].skipped ? 'skipped' : f(peers[peer][key]))
  const m = fleet?.mar ?? {}
  const b = fleet?.baseline ?? {}
  const rows = [
    ['200 × sleep', 'mar', 'baseline', ...names.map((n) => (peers[n].version ? `${n} ${peers[n].version}` : n))],
    ['start: all running', ms(m.runningMs), ms(b.runningMs), ...names.map((n) => cell(n, 'runningMs', ms))],
    ['start: command returns', ms(m.upMs), ms(b.upMs), ...names.map((n) => cell(n, 'upMs', ms))],
    ['stop: none left', ms(m.goneMs), ms(b.goneMs), ...names.map((n) => cell(n, 'goneMs', ms))],
    ['stop: command returns', ms(m.downMs), ms(b.downMs), ...names.map((n) => cell(n, 'downMs', ms))],
    ['status (median of 15)', ms(m.statusMs), ms(b.nodeMs) + ' (node -e 0)', ...names.map((n) => cell(n, 'statusMs', ms))],
    ['manager RSS', mb(m.rss), mb(b.rss), ...names.map((n) => cell(n, 'rss', mb))],
  ]
  printTable('Peers, same machine and run (one round each)', rows)
  for (const n of names) {
    if (peers[n].skipped) console.log(`  ${n}: skipped — ${peers[n].skipped}`)
    else console.log(`  ${n}: ${Object.entries(peers[n].commands).map(([k, v]) => `${k}: ${v}`).join('; ')}`)
  }
}

export async function benchDaemon({startup} = {}) {
  const parts = new Set((process.env.BENCH_DAEMON ?? 'fleet,capture,respawn').split(','))
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
  const n = Number(process.env.BENCH_N ?? 200)
  const peerNames = (process.env.BENCH_PEERS ?? '').split(',').filter(Boolean)
  const {cleanup, log, done} = startSection('Daemon bench', `NODE_EXTRA_CA_CERTS unset for every side`)
  const results = {machine: {cpus: cpus().length, node: process.version, kernel: release(), loadavg: loadavg()}, caCertsUnset: true, ...(startup ? {startup} : {})}
  const began = performance.now()
  try {
    if (parts.has('fleet')) {
      log(`fleet: ${n} × sleep 600, ${rounds} rounds`)
      results.fleet = {...(await benchFleet({n, rounds, cleanup, log})), settleMs: (await import('./daemon-fleet.mjs')).SETTLE_MS}
    }
    if (parts.has('capture')) {
      // More rounds than the fleet: a round takes 3 s, and the median needs them on this noisy VM.
      const captureRounds = Number(process.env.BENCH_CAPTURE_ROUNDS ?? Math.max(rounds, 7))
      log(`capture: 10 × 200 000 lines, ${captureRounds} rounds`)
      results.capture = await benchCapture({rounds: captureRounds, cleanup, log})
    }
    if (parts.has('respawn')) {
      log('respawn: 200 crashes with zero backoff')
      results.respawn = await benchRespawn({count: 200, cleanup, log})
    }
    if (peerNames.length > 0) {
      results.peers = {}
      for (const name of peerNames) {
        log(`peer: ${name}`)
        if (name === 'pm2') results.peers.pm2 = await benchPm2({n, cleanup, log})
        else if (name === 'supervisord' || name === 'supervisor') results.peers.supervisord = await benchSupervisord({n, cleanup, log})
        else results.peers[name] = {skipped: 'unknown peer (known: pm2, supervisord)'}
      }
    }
  } finally {
    await cleanup.run()
    done()
  }
  results.seconds = (performance.now() - began) / 1000
  const rows = goals(results)
  printGoals(rows)
  printRaw(results)
  if (results.peers) printPeers(results.fleet, results.peers)
  console.log(`\n(daemon section: ${results.seconds.toFixed(0)} s)`)
  results.goals = rows.map(({format, ...row}) => row)
  if (process.env.BENCH_JSON) {
    writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(results, null, 2)}\n`)
    console.log(`figures written to ${process.env.BENCH_JSON}`)
  }
  return results
}
