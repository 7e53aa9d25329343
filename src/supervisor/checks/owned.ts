// A tcp or http readiness check that counts only when the listening socket
// that answered belongs to the instance's own processes: another program
// on the same port (a leftover dev server, a second copy) answering the
// probe must not make mar call an instance ready that never listened.
import type {AdoptRecord} from '../child.js'
import {openCgroup} from '../cgroup.js'
import {groupMembers} from '../proc.js'
import {describePortInUse, holdsAny, isLocalTarget, listeningInodes, portHolders} from '../ports.js'
import {CheckFailed, type Check} from './check.js'

export interface ProbeTarget {
  host: string
  port: number
}

/** Where an http probe's URL points. */
export function urlTarget(url: string): ProbeTarget | null {
  try {
    const parsed = new URL(url)
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80
    return {host: parsed.hostname, port}
  } catch {
    return null
  }
}

/**
 * `inner`, plus: once it passes, the port's listener must be one of
 * `processes()` (the instance's process tree). Targets that are not this
 * machine, or whose listener /proc does not show (another network
 * namespace), are taken on trust as before.
 */
export function ownedListener(inner: Check, target: ProbeTarget | null, processes: () => readonly number[]): Check {
  if (!target || !isLocalTarget(target.host) || !inner.attempt) return inner
  const attempt = inner.attempt
  return {
    ...inner,
    attempt: async (timeoutMs) => {
      await attempt(timeoutMs)
      const inodes = listeningInodes(target.port)
      if (inodes.size === 0 || holdsAny(processes(), inodes)) return
      const holders = portHolders(target.port)
      throw new CheckFailed(`${inner.describe()} answered, but ${describePortInUse(target.port, holders)}, not by this instance`)
    },
  }
}

/** The processes of one run: its cgroup's members, or its process group (the leader's pid is the group's id). */
export function processTree(run: Pick<AdoptRecord, 'pid' | 'cgroupPath'>): number[] {
  if (run.cgroupPath) return openCgroup(run.cgroupPath).members()
  return [run.pid, ...groupMembers(run.pid).filter((pid) => pid !== run.pid)]
}
