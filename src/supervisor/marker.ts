// Where no cgroup can be had, every instance's processes carry a marker the
// kernel keeps for them: a soft RLIMIT_LOCKS of 2^40 + a hash of the run id.
//
// Why this limit: a process inherits its limits through fork, keeps them
// through execve, setsid, setpgid, re-parenting and `env -i`, and anyone may
// read them in /proc/PID/limits. RLIMIT_LOCKS has not been enforced since
// Linux 2.4.25 (getrlimit(2)), so the value changes nothing the program can
// feel; the hard limit stays as it was. A process carries this exact value
// only if it descends from the instance (mar sets it in the instance's first
// process, before the program runs) or set it on purpose; no unrelated
// program does, so a scan for it cannot hit a process that is not the
// instance's. The MAR_RUN_ID environment marker, which `env -i` erases, is
// what the marker replaced; it is still scanned for where the marker is not.
//
// Why not a subreaper (README, "No orphans"): PR_SET_CHILD_SUBREAPER needs
// code in the process (Node has no prctl; perl costs 7 ms a start), and the
// subreaper inherits every orphan's zombie: libuv reaps only children it
// spawned, and so do Python, Go and Node programs as leaders.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readSmallText} from '../util/read-small.js'

const BASE = 2 ** 40

/** The marker of a run: in [2^40, 2^41), exact in a double, far above any lock count anyone configures. */
export function markerOf(runId: string): number {
  // 40 bits of a hash: a collision needs two runs of one user alive at once with equal hashes.
  return BASE + createHash('sha1').update(runId).digest().readUIntBE(0, 5)
}

/**
 * The shell line that sets the marker (dash and busybox call the limit -w,
 * bash -x). It runs in the instance's first process, so everything the
 * program forks starts marked: no race with a fast fork.
 */
export const SET_MARKER = 'ulimit -S -w "$MAR_MARKER" 2>/dev/null || ulimit -S -x "$MAR_MARKER" 2>/dev/null; unset MAR_MARKER\n'

let works: boolean | null = null
let why = ''

/**
 * Whether /bin/sh here sets the marker (asked once: one shell, a few ms, on
 * the first start without a cgroup). A hard limit below 2^41 (an
 * administrator's LimitLOCKS=) makes it fail: then only the environment
 * marker is left, and containment says so.
 */
export function markerWorks(): boolean {
  if (works !== null) return works
  const probe = markerOf('probe')
  try {
    const limits = execFileSync('/bin/sh', ['-c', `${SET_MARKER}exec cat /proc/self/limits`], {env: {MAR_MARKER: String(probe), PATH: '/usr/bin:/bin'}, encoding: 'latin1', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore']})
    works = parseMarker(limits) === probe
    why = works ? '' : 'the file-locks limit cannot be raised that far here'
  } catch (error) {
    works = false
    why = `/bin/sh cannot set it (${(error as Error).message.split('\n')[0]})`
  }
  return works
}

/** Why the marker is not in use ('' when it is, or has not been tried). */
export function markerProblem(): string {
  return why
}

/** The soft "Max file locks" of a /proc/PID/limits text, when it is a number in the marker range. */
export function parseMarker(limits: string): number | null {
  const at = limits.indexOf('Max file locks')
  if (at < 0) return null
  const match = /^Max file locks\s+(\d+)\s/.exec(limits.slice(at, at + 64))
  const value = match ? Number(match[1]) : NaN
  return value >= BASE && value < 2 * BASE ? value : null
}

/** The marker a process carries, or null. */
export function readMarker(pid: number): number | null {
  const text = readSmallText(`/proc/${pid}/limits`, 'latin1')
  return text === null ? null : parseMarker(text)
}
