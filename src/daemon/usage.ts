// CPU and memory per instance, over its whole process tree: the members of
// its cgroup, or else of its process group. Sampled in the background every
// couple of seconds so that `mar status` answers from memory at once.
// pidusage computes CPU % from the difference between two samples.
import pidusage from 'pidusage'
import {openCgroup} from '../supervisor/cgroup.js'
import {isLive, listPids, readProcStat} from '../supervisor/proc.js'
import type {Usage} from './status-json.js'

export interface Sampled {
  key: string
  pid: number
  cgroupPath?: string
}

export class UsageSampler {
  private latest = new Map<string, Usage>()
  private timer: NodeJS.Timeout | null = null
  private running = false

  constructor(
    private readonly list: () => Sampled[],
    private readonly intervalMs = 2000,
  ) {}

  get(key: string): Usage | undefined {
    return this.latest.get(key)
  }

  start(): void {
    if (this.timer) return
    const tick = () => {
      void this.sample().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs)
      })
    }
    this.timer = setTimeout(tick, 50)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private warmed = false

  async sample(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      // pidusage learns the clock tick and page size (two `getconf` runs) on
      // its first call and caches them only once that call returns: without
      // this, a first batch of 400 pids started 800 processes.
      if (!this.warmed) {
        await pidusage(process.pid).catch(() => {})
        this.warmed = true
      }
      const targets = this.list()
      if (targets.length === 0) return void (this.latest = new Map())
      const members = this.membersOf(targets)
      const all = [...new Set([...members.values()].flat())]
      const stats = new Map<number, {cpu: number; memory: number}>()
      await Promise.all(
        all.map(async (pid) => {
          try {
            const s = await pidusage(pid)
            stats.set(pid, {cpu: s.cpu, memory: s.memory})
          } catch {
            // exited between listing and sampling
          }
        }),
      )
      const next = new Map<string, Usage>()
      for (const target of targets) {
        let cpu = 0
        let memory = 0
        for (const pid of members.get(target.key) ?? []) {
          const s = stats.get(pid)
          if (s) {
            cpu += s.cpu
            memory += s.memory
          }
        }
        next.set(target.key, {cpu, memory})
      }
      this.latest = next
    } finally {
      this.running = false
    }
  }

  private membersOf(targets: Sampled[]): Map<string, number[]> {
    const result = new Map<string, number[]>()
    const needScan = targets.some((t) => !t.cgroupPath)
    const byGroup = new Map<number, number[]>()
    if (needScan) {
      for (const pid of listPids()) {
        const stat = readProcStat(pid)
        if (!isLive(stat)) continue
        const list = byGroup.get(stat.pgrp) ?? []
        list.push(pid)
        byGroup.set(stat.pgrp, list)
      }
    }
    for (const target of targets) {
      const pids = target.cgroupPath ? openCgroup(target.cgroupPath).members() : (byGroup.get(target.pid) ?? [target.pid])
      result.set(target.key, pids)
    }
    return result
  }
}
