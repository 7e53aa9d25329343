// A throwaway mar installation for the bench: a temp MAR_HOME, a daemon
// started in it, the CLI run against it, and a teardown that leaves nothing
// behind — the daemon asked to stop, then its children's process groups,
// the daemon and its cgroups killed by pid, whatever happened before.
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {mar} from './lib.mjs'
import {childrenOf, cleanEnv, isAlive, killTree, removeLater, run, runOk, sleep} from './proc.mjs'

export class MarHome {
  /** cgroups: false runs the daemon with MAR_CGROUPS=0 (process groups, as the baseline). */
  constructor(label = 'mar', {cgroups = true} = {}) {
    // Short: the socket path must fit in 108 bytes.
    this.dir = mkdtempSync(join(tmpdir(), `mb-${label}-`))
    this.home = join(this.dir, 'h')
    this.env = cleanEnv({MAR_HOME: this.home, NO_COLOR: '1', ...(cgroups ? {} : {MAR_CGROUPS: '0'})})
    this.daemonPids = new Set()
  }

  /** Write mar.yaml in a stack directory; returns that directory (the cwd for up/down). */
  stack(name, yaml) {
    const dir = join(this.dir, name)
    rmSync(dir, {recursive: true, force: true})
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'mar.yaml'), yaml)
    return dir
  }

  /** Start `mar ARGS…` (timed from just before spawn, like proc.run). */
  start(args, cwd) {
    return run([process.execPath, mar, ...args], {env: this.env, cwd})
  }

  cli(args, cwd, options = {}) {
    return runOk([process.execPath, mar, ...args], {env: this.env, cwd, ...options})
  }

  get daemonPid() {
    try {
      const pid = Number(readFileSync(join(this.home, 'daemon.pid'), 'utf8').trim())
      return pid > 0 && isAlive(pid) ? pid : null
    } catch {
      return null
    }
  }

  /** Start the daemon and let it settle (resurrect, first usage sample). */
  async startDaemon(settleMs = 400, nodeArgs = []) {
    // BENCH_DAEMON_ENTRY=…/dist/daemon.js runs another build of the daemon (an experiment) with this CLI.
    if (nodeArgs.length === 0 && !process.env.BENCH_DAEMON_ENTRY) await this.cli(['daemon', 'start'])
    else {
      // By hand, for profiling: `node --cpu-prof … dist/daemon.js`.
      const {spawn} = await import('node:child_process')
      const entry = process.env.BENCH_DAEMON_ENTRY ?? join(new URL('..', import.meta.url).pathname, 'dist/daemon.js')
      const child = spawn(process.execPath, [...nodeArgs, entry], {env: this.env, detached: true, stdio: 'ignore'})
      child.unref()
      for (let i = 0; i < 500 && !(existsSync(join(this.home, 'daemon.sock')) && this.daemonPid); i++) await sleep(10)
    }
    const pid = this.daemonPid
    if (!pid) throw new Error(`the daemon in ${this.home} did not start`)
    this.daemonPids.add(pid)
    await sleep(settleMs)
    return pid
  }

  info() {
    return this.cli(['daemon', 'status', '--json']).then((r) => JSON.parse(r.stdout))
  }

  async stopDaemon() {
    const pid = this.daemonPid
    if (!pid) return
    await this.cli(['daemon', 'stop'], undefined, {allow: [1, 3]}).catch(() => {})
    for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(10)
  }

  /** Stop everything this home started, however the bench ended. */
  async teardown() {
    let timer
    await Promise.race([this.stopDaemon().catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))])
    clearTimeout(timer)
    for (const pid of this.daemonPids) if (isAlive(pid) || childrenOf(pid).length > 0) killTree(pid)
    this.killCgroups()
    removeLater(this.dir)
  }

  /** The daemon's cgroup namespace (src/daemon/main.ts): kill and remove what a killed daemon left. */
  killCgroups() {
    const mount = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .find(([, , type]) => type === 'cgroup2')?.[1]
    if (!mount) return
    const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'))?.slice(3) ?? '/'
    const namespace = createHash('sha256').update(this.home).digest('hex').slice(0, 16)
    const base = join(mount, own, 'mar', namespace)
    if (!existsSync(base)) return
    for (const name of readdirSync(base, {withFileTypes: true})) {
      if (!name.isDirectory()) continue
      try {
        writeFileSync(join(base, name.name, 'cgroup.kill'), '1')
      } catch {
        // already empty or gone
      }
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      let left = 0
      for (const name of readdirSync(base, {withFileTypes: true})) {
        if (!name.isDirectory()) continue
        try {
          rmdirSync(join(base, name.name))
        } catch {
          left++
        }
      }
      if (left === 0) break
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
    }
    try {
      rmdirSync(base)
    } catch {
      // busy: reported by the next daemon's sweep
    }
  }
}

/** `run` is re-exported so callers time CLI commands the same way. */
export {run}
