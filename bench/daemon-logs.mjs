// Log capture: WRITERS oneshot runners each print LINES lines of 100 bytes
// (test/fixtures/bin/flood.mjs). mar: from spawning `mar up` (daemon already
// running) until the store's segment indexes (MAR_HOME/logs/<stack>/
// <instance>/out.idx*, src/daemon/logs/layout.ts) cover every byte. Baseline
// (bench/baseline/capture.mjs): the same writers into plain O_APPEND files,
// until its process exits. Then every stored line is checked: each line of
// each writer present once and whole.
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {median} from './lib.mjs'
import {MarHome} from './mar-home.mjs'
import {indexedBytes, storedData} from '../test/fixtures/logs/stored-stream.mjs'
import {childCounter, childrenOf, cleanEnv, commOf, cpuTimes, killTree, now, removeLater, run, waitUntil} from './proc.mjs'

const here = new URL('.', import.meta.url).pathname
const flood = join(here, '../test/fixtures/bin/flood.mjs')
/** Bytes per line, newline included: flood.mjs's WIDTH argument (99) counts the line without it. */
const WIDTH = 100

/** Bytes indexed in the stdout segments of the directories (an index moved by a rotation right then counts at the next poll). */
function storedBytes(dirs) {
  let total = 0
  for (const dir of dirs) total += indexedBytes(dir)
  return total
}

/**
 * Check one writer's stored lines: every line 0…lines-1 once, each whole
 * (`TAG NNNNNNNNN xxx…x\n`, 100 bytes). Order is not assumed.
 */
export function countLines(data, tag, lines) {
  const seen = new Uint8Array(lines)
  const head = Buffer.from(`${tag} `)
  const pad = Buffer.alloc(WIDTH - head.length - 11, 'x')
  let split = 0
  let duplicated = 0
  let start = 0
  while (start < data.length) {
    let end = data.indexOf(10, start)
    if (end === -1) end = data.length
    const length = end - start
    let seq = -1
    if (length === WIDTH - 1 && data.compare(head, 0, head.length, start, start + head.length) === 0 && data[start + head.length + 9] === 32) {
      seq = 0
      for (let k = start + head.length; k < start + head.length + 9; k++) {
        const digit = data[k] - 48
        if (digit < 0 || digit > 9) {
          seq = -1
          break
        }
        seq = seq * 10 + digit
      }
      if (seq >= 0 && data.compare(pad, 0, pad.length, start + head.length + 10, end) !== 0) seq = -1
    }
    if (seq < 0 || seq >= lines || end === data.length) split++
    else if (seen[seq]++ > 0) duplicated++
    start = end + 1
  }
  let missing = 0
  for (let i = 0; i < lines; i++) if (seen[i] === 0) missing++
  return {missing, split, duplicated}
}

function add(total, part) {
  for (const key of Object.keys(part)) total[key] = (total[key] ?? 0) + part[key]
  return total
}

/** When the first writer (a `node` child) appeared and when the last one was gone: how long the writers themselves ran. */
function writerWatch(parent) {
  const count = childCounter(parent, 'node')
  let lastSeen
  return {
    poll() {
      if (count() > 0) lastSeen = now()
      return 0
    },
    span(since) {
      return {firstWriterMs: count.firstAt - since, writersMs: lastSeen - count.firstAt}
    },
  }
}

export async function marCapture({writers, lines, cleanup}) {
  const home = new MarHome('logs')
  cleanup.add(() => home.teardown())
  try {
    const runners = Array.from({length: writers}, (_, i) => `  w${i}: { cmd: ${JSON.stringify([process.execPath, flood, String(lines), `w${i}`, String(WIDTH - 1)])}, oneshot: true }`)
    const cwd = home.stack('flood', `name: flood\nrunners:\n${runners.join('\n')}\n`)
    const daemon = await home.startDaemon()
    const dirs = Array.from({length: writers}, (_, i) => join(home.home, 'logs', 'flood', `w${i}.1`))
    const expected = writers * lines * WIDTH
    const cpuBefore = cpuTimes(daemon)
    const up = home.start(['up'], cwd)
    const writers_ = writerWatch(daemon)
    const stored = waitUntil(() => writers_.poll() + storedBytes(dirs) >= expected, {since: up.began, everyMs: 10, timeoutMs: 120_000, what: `${expected} bytes in the store`})
    const upDone = await up.exited
    if (upDone.code !== 0) throw new Error(`mar up exited ${upDone.code}: ${upDone.stderr.slice(-2000)}`)
    const storedAt = await stored
    // CPU of everything on mar's side but the CLI: the daemon, what it reaped (writers, helpers) and its live helpers (the shell that collapses spools).
    const cpuAfter = cpuTimes(daemon)
    let helpers = 0
    for (const pid of childrenOf(daemon)) {
      const t = commOf(pid) === 'sh' ? cpuTimes(pid) : null
      if (t) helpers += t.self + t.children
    }
    const cpu = {daemonMs: cpuAfter.self - cpuBefore.self, reapedMs: cpuAfter.children - cpuBefore.children, helpersMs: helpers}
    const counts = {missing: 0, split: 0, duplicated: 0}
    for (let i = 0; i < writers; i++) {
      add(counts, countLines(storedData(dirs[i]), `w${i}`, lines))
      // flood.mjs writes nothing to stderr: anything stored there is a line in the wrong place.
      counts.stderrBytes = (counts.stderrBytes ?? 0) + indexedBytes(dirs[i], 'err')
    }
    const extra = storedBytes(dirs) - expected
    await home.cli(['down'], cwd)
    return {ms: storedAt.ms, upMs: upDone.ms, ...writers_.span(up.began), cpu, extraBytes: extra, ...counts}
  } finally {
    await home.teardown()
  }
}

export async function baselineCapture({writers, lines, cleanup}) {
  const dir = mkdtempSync(join(tmpdir(), 'mb-cap-'))
  const job = run([process.execPath, join(here, 'baseline/capture.mjs'), dir, String(writers), String(lines), flood], {env: cleanEnv()})
  cleanup.add(() => {
    killTree(job.child.pid)
    removeLater(dir)
  })
  try {
    const writers_ = writerWatch(job.child.pid)
    const polling = setInterval(() => writers_.poll(), 10)
    const done = await job.exited.finally(() => clearInterval(polling))
    const [, self, reaped] = /cpu (\d+) (\d+)/.exec(done.stdout) ?? []
    const cpu = {holderMs: Number(self), reapedMs: Number(reaped)}
    if (done.code !== 0) throw new Error(`baseline capture exited ${done.code}: ${done.stderr}`)
    const counts = {missing: 0, split: 0, duplicated: 0}
    for (let i = 0; i < writers; i++) add(counts, countLines(readFileSync(join(dir, `w${i}.log`)), `w${i}`, lines))
    return {ms: done.ms, ...writers_.span(job.began), cpu, ...counts}
  } finally {
    killTree(job.child.pid)
    removeLater(dir)
  }
}

export async function benchCapture({writers = 10, lines = 200_000, rounds = 3, cleanup, log = () => {}}) {
  const mar = []
  const base = []
  for (let round = 0; round < rounds; round++) {
    // Which side goes first alternates: this VM has slow spells (a writer's CPU for the same
    // lines varies by a third between rounds) that should not fall on one side by its place.
    if (round % 2 === 0) base.push(await baselineCapture({writers, lines, cleanup}))
    mar.push(await marCapture({writers, lines, cleanup}))
    if (round % 2 === 1) base.push(await baselineCapture({writers, lines, cleanup}))
    log(`  capture round ${round + 1}/${rounds}: baseline ${base.at(-1).ms.toFixed(0)} ms, mar ${mar.at(-1).ms.toFixed(0)} ms (mar up exited after ${mar.at(-1).upMs.toFixed(0)})`)
  }
  const total = writers * lines
  const marMs = median(mar.map((r) => r.ms))
  const baseMs = median(base.map((r) => r.ms))
  const sum = (list, key) => list.reduce((n, r) => n + r[key], 0)
  return {
    writers,
    lines: total,
    rounds,
    mar: {
      ms: marMs,
      upMs: median(mar.map((r) => r.upMs)),
      firstWriterMs: median(mar.map((r) => r.firstWriterMs)),
      writersMs: median(mar.map((r) => r.writersMs)),
      linesPerSec: total / (marMs / 1000),
      missing: sum(mar, 'missing'),
      split: sum(mar, 'split'),
      duplicated: sum(mar, 'duplicated'),
      extraBytes: sum(mar, 'extraBytes'),
      stderrBytes: sum(mar, 'stderrBytes'),
      runs: mar,
    },
    baseline: {
      ms: baseMs,
      firstWriterMs: median(base.map((r) => r.firstWriterMs)),
      writersMs: median(base.map((r) => r.writersMs)),
      linesPerSec: total / (baseMs / 1000),
      missing: sum(base, 'missing'),
      split: sum(base, 'split'),
      duplicated: sum(base, 'duplicated'),
      runs: base,
    },
  }
}
