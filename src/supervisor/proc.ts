// Reading the process table from /proc. Liveness is decided from the stat
// state, not kill(pid, 0): a zombie still answers kill(0), and where PID 1
// does not reap orphans (containers, some inits) zombies linger for ever.
import {readFileSync, readdirSync} from 'node:fs'

export interface ProcStat {
  pid: number
  state: string
  ppid: number
  pgrp: number
  session: number
  /** Start time in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  startTime: number
}

export function readProcStat(pid: number): ProcStat | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return null
  }
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

/** Live members of a process group. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = []
  for (const pid of listPids()) {
    const stat = readProcStat(pid)
    if (isLive(stat) && stat.pgrp === pgid) members.push(pid)
  }
  return members
}

/**
 * Live processes whose environment carries `marker` (KEY=VALUE). Every
 * instance gets a unique MAR_RUN_ID, and descendants inherit it, so this
 * finds a grandchild that left the process group with setsid and was
 * re-parented by a double fork — the fallback where no cgroup is available.
 */
export function processesWithEnv(marker: string): number[] {
  const needle = Buffer.from(`${marker}\0`)
  const found: number[] = []
  for (const pid of listPids()) {
    if (pid === process.pid) continue
    let environ: Buffer
    try {
      environ = readFileSync(`/proc/${pid}/environ`)
    } catch {
      continue
    }
    const at = environ.indexOf(needle)
    if (at === 0 || (at > 0 && environ[at - 1] === 0)) {
      if (isLive(readProcStat(pid))) found.push(pid)
    }
  }
  return found
}

/** Resident set size of a process in bytes, or 0 when it is gone. */
export function readRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1')
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return match ? Number(match[1]) * 1024 : 0
  } catch {
    return 0
  }
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
