// What the daemon bench needs of processes: a clean environment, timing a
// child from outside, counting a parent's children by name through /proc,
// resident memory, and killing what the bench started — by pid or process
// group, never by name.
import {spawn} from 'node:child_process'
import {readFileSync, readdirSync, rmSync} from 'node:fs'
import {cpus, loadavg, release} from 'node:os'

/** The environment every side runs with: NODE_EXTRA_CA_CERTS makes each node start ~2.5× slower. */
export function cleanEnv(extra = {}) {
  const env = {...process.env, ...extra}
  delete env.NODE_EXTRA_CA_CERTS
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key]
  return env
}

export const now = () => performance.now()
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Start argv and return {child, exited}; `exited` resolves with
 * {code, signal, ms, stdout, stderr}, ms measured from just before spawn.
 */
export function run(argv, {env, cwd, input} = {}) {
  const began = now()
  const child = spawn(argv[0], argv.slice(1), {env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']})
  if (input !== undefined) child.stdin.end(input)
  const out = []
  const err = []
  const waiters = []
  let text = ''
  child.stdout.on('data', (chunk) => {
    out.push(chunk)
    if (waiters.length === 0) return
    const at = now()
    text += chunk.toString()
    for (const waiter of waiters.splice(0)) {
      const match = waiter.pattern.exec(text)
      if (match) waiter.resolve({ms: at - began, match})
      else waiters.push(waiter)
    }
  })
  child.stderr.on('data', (chunk) => err.push(chunk))
  const exited = new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => {
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`${argv.join(' ')} exited ${code ?? signal} before printing ${waiter.pattern}: ${Buffer.concat(err).toString().slice(-1000)}`))
      resolve({code, signal, ms: now() - began, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString()})
    })
  })
  /** Resolves with {ms since spawn, match} once stdout (from now on) matches `pattern`. */
  const output = (pattern) => new Promise((resolve, reject) => waiters.push({pattern, resolve, reject}))
  return {child, began, exited, output}
}

/** Run to completion; throws on a non-zero exit unless `allow` lists the code. */
export async function runOk(argv, options = {}) {
  const result = await run(argv, options).exited
  if (result.code !== 0 && !(options.allow ?? []).includes(result.code)) {
    throw new Error(`${argv.join(' ')} exited ${result.code ?? result.signal}: ${result.stderr.trim().slice(-2000)}`)
  }
  return result
}

function readText(path) {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** Children of pid, from every thread's /proc/PID/task/TID/children. */
export function childrenOf(pid) {
  let tasks
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  const pids = []
  for (const tid of tasks) for (const child of readText(`/proc/${pid}/task/${tid}/children`).split(' ')) if (child) pids.push(Number(child))
  return pids
}

export const commOf = (pid) => readText(`/proc/${pid}/comm`).trim()

/**
 * Counts children of `parent` whose command name is `comm`. A pid once seen
 * with that name keeps it (exec happens once), so each poll reads only the
 * children lists and the names of new pids: cheap enough to poll every few ms.
 */
export function childCounter(parent, comm) {
  const known = new Set()
  const counter = () => {
    const live = childrenOf(parent)
    let n = 0
    for (const pid of live) {
      if (known.has(pid) || commOf(pid) === comm) {
        known.add(pid)
        n++
      }
    }
    if (n > 0 && counter.firstAt === undefined) counter.firstAt = now()
    return n
  }
  /** When the first one was seen (performance.now()), once it was. */
  counter.firstAt = undefined
  return counter
}

/** Poll `check` every `everyMs` until it returns a truthy value; resolves with ms since `since`. */
export async function waitUntil(check, {since = now(), everyMs = 3, timeoutMs = 60_000, what = 'condition'} = {}) {
  for (;;) {
    const value = check()
    if (value) return {ms: now() - since, value}
    if (now() - since > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/** VmRSS of pid in bytes, or null. */
export function rssOf(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readText(`/proc/${pid}/status`))
  return match ? Number(match[1]) * 1024 : null
}

export function isAlive(pid) {
  const stat = readText(`/proc/${pid}/stat`)
  if (!stat) return false
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
}

/** Send a signal to a process group (negative pid) or process; ignore ESRCH. */
export function signal(pid, sig = 'SIGKILL') {
  try {
    process.kill(pid, sig)
    return true
  } catch {
    return false
  }
}

/** Kill pid's children (each in its own process group, as supervisors start them), then pid's group and pid. */
export function killTree(pid) {
  if (!pid) return
  for (const child of childrenOf(pid)) {
    signal(-child, 'SIGKILL')
    signal(child, 'SIGKILL')
  }
  signal(pid, 'SIGKILL')
}

/**
 * Temp directories are removed at the very end, not between rounds: on ext4,
 * creating files soon after deleting thousands is slow (inode reuse checks
 * in recently_deleted()), which would tax whichever side runs next.
 */
const scratchDirs = new Set()
export function removeLater(dir) {
  scratchDirs.add(dir)
}
export function removeScratch() {
  for (const dir of scratchDirs) rmSync(dir, {recursive: true, force: true})
  scratchDirs.clear()
}

/** CPU time of pid in ms: its own (all threads) and that of its reaped children (USER_HZ = 100 on Linux). */
export function cpuTimes(pid) {
  const stat = readText(`/proc/${pid}/stat`)
  if (!stat) return null
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ms = (i) => Number(fields[i]) * 10
  return {self: ms(11) + ms(12), children: ms(13) + ms(14)}
}

/** Teardowns of whatever is running; each is safe to call twice. */
export class Cleanup {
  fns = new Set()
  add(fn) {
    this.fns.add(fn)
  }
  async run() {
    for (const fn of [...this.fns].reverse()) {
      try {
        await fn()
      } catch (error) {
        console.error(`cleanup: ${error.message}`)
      }
    }
    this.fns.clear()
    removeScratch()
  }
}

/**
 * What every bench section starts with: a Cleanup that Ctrl-C (or SIGTERM)
 * runs before exiting 130, and a header line saying the machine and its load
 * (noisy when the load exceeds the CPUs).
 */
export function startSection(title, detail) {
  const cleanup = new Cleanup()
  const onSignal = (signal) =>
    void (async () => {
      console.error(`\n${signal}: stopping everything the bench started…`)
      await cleanup.run()
      process.exit(130)
    })()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const load = loadavg()[0]
  console.log(`\n${title}: ${cpus().length} CPUs, node ${process.version}, Linux ${release()}, load ${load.toFixed(2)}; ${detail}`)
  if (load > cpus().length) console.log(`  note: the load average (${load.toFixed(1)}) exceeds the CPU count; figures will be noisy`)
  /** The section ended: its signal handlers go. */
  const done = () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return {cleanup, log: (line) => console.error(line), done}
}
