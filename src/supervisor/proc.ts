// Reading the process table from /proc. Liveness is decided from the stat
// state, not kill(pid, 0): a zombie still answers kill(0), and where PID 1
// does not reap orphans (containers, some inits) zombies linger for ever.
import {readdirSync} from 'node:fs'
import {readSmallFile, readSmallText} from '../util/read-small.js'
import {readMarker} from './marker.js'

export interface ProcStat {
  pid: number
  state: string
  ppid: number
  pgrp: number
  session: number
  /** Start time in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  startTime: number
  /** CPU time used so far (user + system), in clock ticks. */
  cpuTicks: number
  /** Resident set size, in pages. */
  rssPages: number
}

export function readProcStat(pid: number): ProcStat | null {
  const text = readSmallText(`/proc/${pid}/stat`, 'latin1')
  if (text === null) return null
  // The command name is in parentheses and may itself contain spaces or ')'.
  const close = text.lastIndexOf(')')
  const fields = text.slice(close + 2).split(' ')
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    startTime: Number(fields[19]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    rssPages: Number(fields[21]),
  }
}

export function isLive(stat: ProcStat | null): stat is ProcStat {
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X'
}

/** Whether pid is running and, when given, is the same process that started at startTime. */
export function isRunning(pid: number, startTime?: number): boolean {
  const stat = readProcStat(pid)
  if (!isLive(stat)) return false
  return startTime === undefined || stat.startTime === startTime
}

export function listPids(): number[] {
  const pids: number[] = []
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (Number.isInteger(pid) && pid > 0) pids.push(pid)
  }
  return pids
}

/**
 * Passes over /proc, shared: stopping 200 instances at once asks "who is
 * left in this group / carries this run id?" hundreds of times within a few
 * milliseconds, and a scan younger than SNAPSHOT_MS answers them all — one
 * scan, not one per instance. Where no cgroup is available, every instance's
 * processes carry a marker in their limits (marker.ts) and a unique
 * MAR_RUN_ID in their environment; the scans for those find a grandchild
 * that left the process group (setsid) and was re-parented by a double fork.
 */
const SNAPSHOT_MS = 15
const RUN_ID = Buffer.from('MAR_RUN_ID=')

function cached<T>(build: () => T): {get(): T; clear(): void} {
  let value: T | null = null
  let at = 0
  return {
    get() {
      if (value === null || performance.now() - at >= SNAPSHOT_MS) {
        value = build()
        at = performance.now()
      }
      return value
    },
    clear: () => (value = null),
  }
}

function push<K>(map: Map<K, number[]>, key: K, pid: number): void {
  const list = map.get(key)
  if (list) list.push(pid)
  else map.set(key, [pid])
}

const groups = cached(() => {
  const byGroup = new Map<number, number[]>()
  for (const pid of listPids()) {
    const stat = readProcStat(pid)
    if (isLive(stat) && pid !== process.pid) push(byGroup, stat.pgrp, pid)
  }
  return byGroup
})

const runIds = cached(() => {
  const byRunId = new Map<string, number[]>()
  for (const pid of listPids()) {
    if (pid === process.pid) continue
    const environ = readSmallFile(`/proc/${pid}/environ`)
    if (!environ) continue
    const at = environ.indexOf(RUN_ID)
    if (at < 0 || (at > 0 && environ[at - 1] !== 0)) continue
    const end = environ.indexOf(0, at)
    // Copy the id out before the next read reuses the scratch buffer.
    const runId = environ.subarray(at + RUN_ID.length, end < 0 ? environ.length : end).toString()
    if (isLive(readProcStat(pid))) push(byRunId, runId, pid)
  }
  return byRunId
})

// The containment marker (marker.ts) of every process that carries one.
const markers = cached(() => {
  const byMarker = new Map<number, number[]>()
  for (const pid of listPids()) {
    if (pid === process.pid) continue
    const marker = readMarker(pid)
    if (marker !== null && isLive(readProcStat(pid))) push(byMarker, marker, pid)
  }
  return byMarker
})

/** Forget the shared scans (after signalling, so the next look is fresh). */
export function invalidateProcSnapshot(): void {
  groups.clear()
  runIds.clear()
  markers.clear()
}

/** Live processes that carry the containment marker `marker`. */
export function processesWithMarker(marker: number): number[] {
  return markers.get().get(marker) ?? []
}

/** Live members of a process group. */
export function groupMembers(pgid: number): number[] {
  return groups.get().get(pgid) ?? []
}

/** Live processes whose environment carries MAR_RUN_ID=`runId`. */
export function processesWithRunId(runId: string): number[] {
  return runIds.get().get(runId) ?? []
}

/** Resident set size of a process in bytes, or 0 when it is gone. */
export function readRss(pid: number): number {
  const status = readSmallText(`/proc/${pid}/status`, 'latin1')
  const match = status === null ? null : /VmRSS:\s+(\d+) kB/.exec(status)
  return match ? Number(match[1]) * 1024 : 0
}

/** Send a signal, ignoring "no such process". Negative pid: a process group. */
export function sendSignal(pid: number, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(pid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}
