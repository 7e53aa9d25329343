// CPU and memory per instance, over its whole process tree: the members of
// its cgroup, or else of its process group. Sampled in the background every
// couple of seconds so that `mar status` answers from memory at once.
//
// One pass over /proc/PID/stat per sample, synchronous: it yields the
// process groups, CPU ticks and resident pages at once. (pidusage, used
// before, read each pid again through the thread pool: for 200 instances
// 30–50 ms of daemon CPU per sample, and a `mar down` that arrived during
// one waited behind 400 queued file reads.)
import {readSmallText} from '../util/read-small.js'
import {openCgroup} from '../supervisor/cgroup.js'
import {isLive, listPids, readProcStat, type ProcStat} from '../supervisor/proc.js'

export interface Usage {
  /** Percent of one core since the last sample. */
  cpu: number
  /** Resident bytes of the whole process tree. */
  memory: number
}

export interface Sampled {
  key: string
  pid: number
  cgroupPath?: string
}

/**
 * USER_HZ, the unit of /proc's CPU times: 100 on every Linux architecture
 * Node runs on (the kernel fixes it for user space; CONFIG_HZ does not change it).
 */
const CLOCK_TICKS_PER_SECOND = 100

/** The page size, from our own RSS as Node reports it in bytes and as /proc/self/stat does in pages. */
function pageSize(): number {
  const stat = readProcStat(process.pid)
  const bytes = process.memoryUsage().rss
  if (!stat || stat.rssPages <= 0) return 4096
  // The two reads are moments apart: round to the nearest power of two.
  return 2 ** Math.round(Math.log2(bytes / stat.rssPages))
}

/** Seconds since boot (/proc/uptime), the clock of a process's start time. */
function uptimeSeconds(): number | null {
  const text = readSmallText('/proc/uptime', 'latin1')
  const seconds = text === null ? NaN : Number.parseFloat(text)
  return Number.isFinite(seconds) ? seconds : null
}

interface Previous {
  startTime: number
  cpuTicks: number
  atSeconds: number
}

export class UsageSampler {
  private latest = new Map<string, Usage>()
  private timer: NodeJS.Timeout | null = null
  private page = 0
  /** CPU ticks per pid at the last sample, to turn into a rate. */
  private previous = new Map<number, Previous>()

  constructor(
    private readonly list: () => Sampled[],
    readonly intervalMs = 2000,
    /** Told after each sample (the daemon sends it to watchers that asked for usage). */
    private readonly onSample: () => void = () => {},
  ) {}

  get(key: string): Usage | undefined {
    return this.latest.get(key)
  }

  start(): void {
    if (this.timer) return
    const tick = () => {
      try {
        this.sample()
        this.onSample()
      } catch {
        // a cgroup removed mid-sample and the like: the next sample sees the new state
      }
      if (this.timer) this.timer = setTimeout(tick, this.intervalMs)
    }
    this.timer = setTimeout(tick, 50)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  sample(): void {
    const targets = this.list()
    if (targets.length === 0) {
      this.latest = new Map()
      this.previous = new Map()
      return
    }
    this.page ||= pageSize()
    const now = uptimeSeconds()
    const members = this.membersOf(targets)
    const next = new Map<string, Usage>()
    const seen = new Map<number, Previous>()
    for (const target of targets) {
      let cpu = 0
      let memory = 0
      for (const stat of members.get(target.key) ?? []) {
        memory += stat.rssPages * this.page
        if (now !== null) cpu += this.cpuPercent(stat, now)
        if (now !== null) seen.set(stat.pid, {startTime: stat.startTime, cpuTicks: stat.cpuTicks, atSeconds: now})
      }
      next.set(target.key, {cpu, memory})
    }
    this.latest = next
    this.previous = seen
  }

  /** Percent of one core since the last sample, or since the process started when it is new. */
  private cpuPercent(stat: ProcStat, now: number): number {
    const before = this.previous.get(stat.pid)
    const known = before !== undefined && before.startTime === stat.startTime
    const ticks = known ? stat.cpuTicks - before.cpuTicks : stat.cpuTicks
    const seconds = known ? now - before.atSeconds : now - stat.startTime / CLOCK_TICKS_PER_SECOND
    if (!(seconds > 0) || ticks <= 0) return 0
    return (ticks / CLOCK_TICKS_PER_SECOND / seconds) * 100
  }

  private membersOf(targets: Sampled[]): Map<string, ProcStat[]> {
    const result = new Map<string, ProcStat[]>()
    const byGroup = new Map<number, ProcStat[]>()
    if (targets.some((t) => !t.cgroupPath)) {
      for (const pid of listPids()) {
        const stat = readProcStat(pid)
        if (!isLive(stat)) continue
        const list = byGroup.get(stat.pgrp)
        if (list) list.push(stat)
        else byGroup.set(stat.pgrp, [stat])
      }
    }
    for (const target of targets) {
      if (target.cgroupPath) {
        const stats = openCgroup(target.cgroupPath)
          .members()
          .map((pid) => readProcStat(pid))
          .filter(isLive)
        result.set(target.key, stats)
      } else {
        result.set(target.key, byGroup.get(target.pid) ?? [readProcStat(target.pid)].filter(isLive))
      }
    }
    return result
  }
}
