// Shared helpers for `npm run bench`: timing child processes, medians, and
// the ratio table. Every figure is a ratio against a baseline measured in
// the same run, because machines here are noisy.
import {spawnSync} from 'node:child_process'

export const root = new URL('..', import.meta.url).pathname
export const mar = `${root}bin/run.js`

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median wall time (ms) of running argv `runs` times, after one warm-up. */
export function timeCommand(argv, {runs = 15, env = process.env, cwd, allowCodes = [0]} = {}) {
  const times = []
  for (let i = -1; i < runs; i++) {
    const began = process.hrtime.bigint()
    const result = spawnSync(argv[0], argv.slice(1), {env, cwd, stdio: ['ignore', 'ignore', 'pipe']})
    const took = Number(process.hrtime.bigint() - began) / 1e6
    if (!allowCodes.includes(result.status)) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`)
    if (i >= 0) times.push(took)
  }
  return median(times)
}

export function printTable(title, rows) {
  console.log(`\n${title}`)
  const columns = Math.max(4, ...rows.map((r) => r.length))
  const widths = Array.from({length: columns}, (_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)))
  for (const row of rows) console.log(row.map((cell, c) => String(cell ?? '').padEnd(widths[c])).join('  ').trimEnd())
}

export const fmt = (ms) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
export const ratio = (a, b) => `${(a / b).toFixed(2)}×`
