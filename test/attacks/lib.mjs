// What every attack needs: the built `mar` run as a user would, a private
// MAR_HOME, a hand-driven socket, waiting on conditions with a deadline, and
// a scope that stops everything it started (by pid) and removes every
// directory and mount it made. Plain Node: no code from src/.
import {execFileSync, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

export const marBin = new URL('../../bin/run.js', import.meta.url).pathname
export const fixtures = new URL('../fixtures/bin/', import.meta.url).pathname
export const PROTOCOL_VERSION = 2

export const sleepMs = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Poll `probe` until it returns something truthy; throw past the deadline. */
export async function waitFor(what, probe, timeoutMs = 10_000, everyMs = 20) {
  const deadline = Date.now() + timeoutMs
  let last
  for (;;) {
    try {
      const value = await probe()
      if (value) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last.message})` : ''}`)
    await sleepMs(everyMs)
  }
}

/** Present and not a zombie. */
export function isAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const state = stat[stat.lastIndexOf(')') + 2]
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

export function kill(pid, signal = 'SIGKILL') {
  try {
    process.kill(pid, signal)
  } catch {
    // gone already
  }
}

/** Resident memory of a process, in MB (VmRSS; `field: 'VmHWM'` for its peak). */
export function rssMB(pid, field = 'VmRSS') {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? Number(match[1]) / 1024 : 0
}

/** Live processes whose environment holds `NAME=value` (a MAR_HOME: its daemon and every instance started under it). */
export function processesWithEnv(entry) {
  const needle = Buffer.from(`\0${entry}\0`)
  const found = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    try {
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${name}/environ`), Buffer.from([0])])
      if (env.includes(needle) && isAlive(Number(name))) found.push(Number(name))
    } catch {
      // gone, or a kernel thread
    }
  }
  return found
}

/** Run `mar ARGS…` to completion (killed past the timeout: `timedOut`). */
export function mar(args, {cwd, env = {}, timeoutMs = 30_000} = {}) {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, [marBin, ...args], {
      cwd,
      // NODE_EXTRA_CA_CERTS makes every node start slower here; mar uses no TLS.
      env: {...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, NODE_EXTRA_CA_CERTS: undefined, ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, timedOut, ms: performance.now() - started})
    })
  })
}

/** A connection to a Unix socket driven by hand: frames received (parsed), `closed`, `send`, `hello`. */
export function rawConnect(path) {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    const frames = []
    let buffered = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => {
      buffered += chunk
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        try {
          frames.push(JSON.parse(buffered.slice(0, nl)))
        } catch {
          frames.push({unparsable: buffered.slice(0, nl)})
        }
        buffered = buffered.slice(nl + 1)
      }
    })
    const closed = new Promise((done) => socket.once('close', () => done()))
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.removeListener('error', reject)
      socket.on('error', () => {})
      resolve({
        socket,
        frames,
        closed,
        send: (text) => socket.write(text),
        hello: () => socket.write(`${JSON.stringify({type: 'hello', protocol: PROTOCOL_VERSION, version: 'attacks', pid: process.pid, role: 'client'})}\n`),
      })
    })
  })
}

/** One request over a fresh connection; resolves with the answer frame and the time it took (ms), rejects past the timeout. */
export async function call(socketPath, method, params = {}, timeoutMs = 10_000) {
  const started = performance.now()
  const c = await rawConnect(socketPath)
  try {
    c.hello()
    c.send(`${JSON.stringify({id: 1, method, params})}\n`)
    const frame = await waitFor(`an answer to ${method}`, () => c.frames.find((f) => f.id === 1 || (f.id === 0 && f.type === 'error')) ?? (c.socket.destroyed ? {closed: true} : null), timeoutMs, 2)
    return {frame, ms: performance.now() - started}
  } finally {
    c.socket.destroy()
  }
}

/**
 * Everything one attack starts and makes, undone at `cleanup()`: daemons are
 * asked to stop, then killed by pid; every process started under a MAR_HOME
 * (found by its environment) is killed by pid; mounts are lazily unmounted;
 * directories removed.
 */
export class Scope {
  homes = []
  dirs = []
  mounts = []
  pids = []

  /** Set once cleanup starts: an attack cut off by its deadline may still be running, and must start nothing more. */
  closed = false

  dir(prefix = 'mara-') {
    if (this.closed) throw new Error('the attack ran out of time')
    const dir = mkdtempSync(join(tmpdir(), prefix))
    this.dirs.push(dir)
    return dir
  }

  /** A MAR_HOME (a fresh directory, or `at`) and a `mar` bound to it. */
  home(at) {
    const path = at ?? this.dir('marA-')
    // The config loader's code cache goes to a directory of this scope, never ~/.cache.
    this.cache ??= this.dir('marC-')
    const env = {MAR_HOME: path, XDG_CACHE_HOME: this.cache}
    const home = {
      path,
      env,
      socket: join(path, 'daemon.sock'),
      mar: (args, options = {}) =>
        this.closed ? Promise.reject(new Error('the attack ran out of time')) : mar(args, {...options, env: {...env, ...options.env}}),
      daemonPid() {
        try {
          return Number(readFileSync(join(path, 'daemon.pid'), 'utf8').trim()) || null
        } catch {
          return null
        }
      },
      status: async () => (await call(join(path, 'daemon.sock'), 'status')).frame,
    }
    this.homes.push(home)
    return home
  }

  /** A project directory with these files (`$FIXTURES` replaced). */
  project(files) {
    const dir = this.dir('marP-')
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), {recursive: true})
      writeFileSync(join(dir, name), content.replaceAll('$FIXTURES', fixtures))
    }
    return dir
  }

  /** A tmpfs of this size at a fresh directory; null where mounting is not allowed. */
  tmpfs(size) {
    const dir = this.dir('marM-')
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {stdio: 'ignore'})
    } catch {
      return null
    }
    this.mounts.push(dir)
    return dir
  }

  track(pid) {
    this.pids.push(pid)
  }

  async cleanup() {
    this.closed = true
    for (const home of this.homes) {
      const pid = home.daemonPid()
      if (pid) kill(pid, 'SIGCONT')
      if (pid && isAlive(pid)) {
        await call(home.socket, 'daemon-stop', {keep: false}, 15_000).catch(() => undefined)
        await waitFor('the daemon to stop', () => !isAlive(pid), 30_000, 50).catch(() => undefined)
        kill(pid)
      }
      for (const p of processesWithEnv(`MAR_HOME=${home.path}`)) {
        kill(-p)
        kill(p)
      }
    }
    for (const pid of this.pids) kill(pid)
    for (const dir of this.mounts.reverse()) {
      try {
        execFileSync('umount', ['-l', dir], {stdio: 'ignore'})
      } catch {
        // not mounted any more
      }
    }
    for (const dir of this.dirs.reverse()) rmSync(dir, {recursive: true, force: true})
  }
}

/** Numbers as the table shows them. */
export const ms = (value) => `${Math.round(value)} ms`
export const mb = (value) => `${value.toFixed(0)} MB`
export const s = (value) => `${(value / 1000).toFixed(1)} s`
