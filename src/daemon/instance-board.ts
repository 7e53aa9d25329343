// The statuses of a stack's instances, folded from supervisor events, and
// what follows from a change: a dependent that waits says what it waits on
// now, and whoever waits for the next change (a reload waiting for a
// dependency) is woken. StackRuntime owns one; nothing else writes it.
import type {GroupPlan} from '../config/types.js'
import type {InstanceEvent} from '../supervisor/runner.js'
import {waitingReason} from './dependency-state.js'
import {applyEvent, type InstanceStatus} from './instance-status.js'

export class InstanceBoard {
  readonly statuses = new Map<string, InstanceStatus>()
  /** Waiting for the next status change. */
  private readonly changeListeners = new Set<() => void>()

  /** `tell(status)`: a status changed (the runtime passes it on to watchers). */
  constructor(private readonly tell: (status: InstanceStatus) => void) {}

  /**
   * Fold an event into its instance's status; the new status, or null when
   * nothing changed. `first` runs before anyone is told (the journal's record of readiness).
   */
  apply(event: InstanceEvent, groups: readonly GroupPlan[], first?: (next: InstanceStatus) => void): InstanceStatus | null {
    const status = this.statuses.get(event.name)
    if (!status) return null
    const next = applyEvent(status, event)
    if (next === status) return null
    this.statuses.set(event.name, next)
    first?.(next)
    this.tell(next)
    this.refreshWaiting(groups, next.group)
    const listeners = [...this.changeListeners]
    this.changeListeners.clear()
    for (const listener of listeners) listener()
    return next
  }

  *ofGroup(group: string): Iterable<InstanceStatus> {
    for (const status of this.statuses.values()) if (status.group === group) yield status
  }

  /**
   * An instance waiting for a dependency says what it waits on right now
   * ("waiting for db (pg.1 not ready yet: …)"), not just the condition:
   * refreshed whenever an instance of `changed` (a dependency, or the group itself) changes.
   */
  private refreshWaiting(groups: readonly GroupPlan[], changed: string): void {
    for (const group of groups) {
      if (group.name !== changed && !group.dependsOn.some((d) => d.group === changed)) continue
      let reason: string | null | undefined
      for (const status of this.ofGroup(group.name)) {
        if (status.reasonCode !== 'dependency-waiting') continue
        reason ??= waitingReason(group.dependsOn, (name) => this.ofGroup(name))
        if (reason === null || reason === status.reason) continue
        const next = {...status, reason}
        this.statuses.set(status.name, next)
        this.tell(next)
      }
    }
  }

  /** Resolves at the next instance status change; rejects when `signal` aborts (a stop or down cancelled the wait). */
  nextChange(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.changeListeners.delete(done)
        reject(signal.reason)
      }
      const done = () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      this.changeListeners.add(done)
      signal.addEventListener('abort', onAbort, {once: true})
    })
  }
}
