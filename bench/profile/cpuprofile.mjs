// Reading a .cpuprofile (node --cpu-prof): self time per function and per
// source module within a time window, with bundled dist/ code mapped back
// to src/ (or node_modules/<package>) through its source maps.
import {existsSync, readFileSync} from 'node:fs'
import {SourceMap} from 'node:module'
import {fileURLToPath} from 'node:url'

const maps = new Map()
function sourceMapOf(url) {
  if (!maps.has(url)) {
    let map = null
    try {
      const file = url.startsWith('file://') ? fileURLToPath(url) : url
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')))
    } catch {
      map = null
    }
    maps.set(url, map)
  }
  return maps.get(url)
}

/** Where a call frame's code comes from: src/… file, node_modules package, node internals, or a V8 pseudo-frame. */
export function locate(frame) {
  const {url, lineNumber, columnNumber, functionName} = frame
  if (!url) return {module: `(${functionName || 'native'})`, source: null}
  if (url.startsWith('node:')) return {module: url, source: url}
  const map = sourceMapOf(url)
  let source = url.replace(/^file:\/\//, '')
  if (map && lineNumber >= 0) {
    const entry = map.findEntry(lineNumber, columnNumber)
    if (entry?.originalSource) source = `${entry.originalSource.replace(/^file:\/\//, '').replace(/^(\.\.\/)+/, '')}:${(entry.originalLine ?? 0) + 1}`
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)
  const module = pkg ? `node_modules/${pkg[1]}` : source.replace(/:\d+$/, '').replace(/^.*?\/?(src\/)/, '$1')
  return {module, source}
}

export function loadProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  return {profile, byId, parent}
}

/**
 * Self time (ms) per function and per module for samples within [fromUs, toUs]
 * (V8 timestamps: CLOCK_MONOTONIC µs, comparable with process.hrtime in other processes).
 */
export function selfTimes({profile, byId, parent}, fromUs = -Infinity, toUs = Infinity) {
  const byFunction = new Map()
  const byModule = new Map()
  const inclusive = new Map()
  let t = profile.startTime
  let busy = 0
  let idle = 0
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000
    if (t < fromUs || t > toUs) continue
    const node = byId.get(profile.samples[i])
    const name = node.callFrame.functionName
    if (name === '(idle)') {
      idle += dt
      continue
    }
    busy += dt
    const where = locate(node.callFrame)
    const key = `${name || '(anonymous)'} ${where.source ?? where.module}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + dt)
    byModule.set(where.module, (byModule.get(where.module) ?? 0) + dt)
    // Inclusive time per module: once per sample for every module on the stack.
    const seen = new Set()
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id).callFrame
      if (!frame.url) continue
      const m = locate(frame).module
      if (seen.has(m)) continue
      seen.add(m)
      inclusive.set(m, (inclusive.get(m) ?? 0) + dt)
    }
  }
  const top = (map, n) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
  return {busy, idle, top, byFunction, byModule, inclusive}
}

export function printSelfTimes(title, times, n = 15) {
  console.log(`\n${title}: ${times.busy.toFixed(0)} ms on CPU (JS thread), ${times.idle.toFixed(0)} ms idle`)
  console.log('  self time by module:')
  for (const [name, ms] of times.top(times.byModule, n)) console.log(`    ${ms.toFixed(1).padStart(8)} ms  ${name}`)
  console.log('  inclusive time by module (on the stack):')
  for (const [name, ms] of times.top(times.inclusive, n)) console.log(`    ${ms.toFixed(1).padStart(8)} ms  ${name}`)
  console.log('  self time by function:')
  for (const [name, ms] of times.top(times.byFunction, n)) console.log(`    ${ms.toFixed(1).padStart(8)} ms  ${name}`)
}

/** Busy ms per `bucketMs` slice of [fromUs, toUs], with the src/ module most on the stack in each. */
export function timeline({profile, byId, parent}, fromUs, toUs, bucketMs = 50) {
  const buckets = []
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]
    if (t < fromUs || t > toUs) continue
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000
    const index = Math.floor((t - fromUs) / 1000 / bucketMs)
    const bucket = (buckets[index] ??= {busy: 0, modules: new Map()})
    const node = byId.get(profile.samples[i])
    if (node.callFrame.functionName === '(idle)') continue
    bucket.busy += dt
    const seen = new Set()
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id).callFrame
      if (!frame.url) continue
      const where = locate(frame)
      const key = where.module.startsWith('src/') || where.module.startsWith('node_modules/') ? `${frame.functionName || '(anonymous)'} ${where.module}` : null
      if (!key || seen.has(key)) continue
      seen.add(key)
      bucket.modules.set(key, (bucket.modules.get(key) ?? 0) + dt)
    }
  }
  return Array.from(buckets, (b, i) => ({
    atMs: i * bucketMs,
    busy: b?.busy ?? 0,
    top: b ? [...b.modules.entries()].sort((x, y) => y[1] - x[1]).slice(0, 3) : [],
  }))
}
