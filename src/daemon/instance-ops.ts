// What start, restart, signal and a stop of leftovers decide for each
// instance, as functions of the facts they are given: the StackRuntime owns
// the state and runs the operations (in its queue); these say what each
// instance should get.
import type {TargetResult} from '../api/protocol.js'
import {openCgroup} from '../supervisor/cgroup.js'
import type {AdoptRecord} from '../supervisor/child.js'
import {invalidateProcSnapshot, isRunning, processesWithMarker, processesWithRunId, sendSignal} from '../supervisor/proc.js'
import {markerOf} from '../supervisor/marker.js'
import type {InstanceStatus} from './instance-status.js'

/**
 * `mar start`: group by group in start order, the instances to start, and
 * the named ones that need no start (already running, or a completed
 * oneshot — it runs again only when named itself, or with no targets at all).
 */
export function planStart(startOrder: readonly string[], needed: readonly string[], named: ReadonlySet<string>, anyNamed: boolean, statusOf: (name: string) => InstanceStatus): Array<{start: string[]; told: TargetResult[]}> {
  return startOrder.map((group) => {
    const start: string[] = []
    const told: TargetResult[] = []
    for (const name of needed) {
      const status = statusOf(name)
      if (status.group !== group) continue
      const report = named.has(name)
      if (status.pid !== null || status.state === 'backoff') {
        if (report) told.push({instance: name, ok: true, message: 'already running'})
      } else if (status.oneshot && status.state === 'exited' && (!anyNamed || !report)) {
        if (report) told.push({instance: name, ok: true, message: 'already completed'})
      } else start.push(name)
    }
    return {start, told}
  })
}

/** Instances by runner, in the order given: a runner's instances restart one after another (rolling). */
export function byRunner(names: readonly string[], runnerOf: (name: string) => string): string[][] {
  const groups = new Map<string, string[]>()
  for (const name of names) groups.set(runnerOf(name), [...(groups.get(runnerOf(name)) ?? []), name])
  return [...groups.values()]
}

/**
 * Deliver a signal to each running instance's process group. One that is
 * not running is skipped (a completed oneshot in a stack-wide signal is not
 * a failure); only when nothing received it is the whole delivery failed.
 */
export function deliverSignal(names: readonly string[], pidOf: (name: string) => number | null | undefined, signal: NodeJS.Signals): TargetResult[] {
  const results = names.map((instance): TargetResult & {delivered: boolean} => {
    const pid = pidOf(instance)
    if (!pid) return {instance, ok: true, delivered: false, message: 'not running: skipped'}
    try {
      process.kill(-pid, signal)
      return {instance, ok: true, delivered: true, message: `sent ${signal} to process group ${pid}`}
    } catch (error) {
      const gone = (error as NodeJS.ErrnoException).code === 'ESRCH'
      return {instance, ok: gone, delivered: false, message: gone ? 'not running: skipped' : (error as Error).message}
    }
  })
  const none = !results.some((r) => r.delivered)
  return results.map(({delivered: _d, ...r}) => (none ? {...r, ok: false} : r))
}

/**
 * Kill recorded processes and everything in their groups and cgroups;
 * without a cgroup, also whatever carries a run's marker or run id — those
 * may outlive the main process (setsid, double fork), so they are looked for
 * even when it is gone. One /proc scan serves every record (a daemon that
 * finds 200 runs no stack takes back must not scan 200 times), and a second
 * pass catches what a leftover forked just before it was killed. Returns how many
 * processes were found, by record.
 */
export function killRecords(records: readonly AdoptRecord[]): number[] {
  const found = records.map((record) => {
    const running = isRunning(record.pid, record.startTime)
    if (running) sendSignal(-record.pid, 'SIGKILL')
    if (!record.cgroupPath) return running ? 1 : 0
    // The cgroup is this run's alone (its name carries the run id): whatever is in it goes.
    const cgroup = openCgroup(record.cgroupPath)
    const members = cgroup.members().filter((pid) => pid !== record.pid).length
    if (members > 0) cgroup.kill()
    return (running ? 1 : 0) + members
  })
  const marked = records.flatMap((record, i) => (record.cgroupPath ? [] : [i]))
  const killed = records.map(() => new Set<number>())
  // The first pass may use a scan a few ms old (shared by many calls); a second, fresh one runs only when the first found something.
  for (let pass = 0; pass < 2 && marked.length > 0 && (pass === 0 || killed.some((k) => k.size > 0)); pass++) {
    if (pass > 0) invalidateProcSnapshot()
    for (const i of marked) {
      const record = records[i]!
      for (const pid of [...processesWithMarker(markerOf(record.runId)), ...processesWithRunId(record.runId)]) {
        if (pid !== record.pid && sendSignal(pid, 'SIGKILL')) killed[i]!.add(pid)
      }
    }
  }
  invalidateProcSnapshot()
  return found.map((n, i) => n + killed[i]!.size)
}

export function killRecorded(record: AdoptRecord): number {
  return killRecords([record])[0]!
}
