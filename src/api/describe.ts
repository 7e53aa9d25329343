// Reasons in words, built from the structured facts the protocol carries:
// the detail an event gave, and times as timestamps turned relative to now.
// Shared by everything that shows an instance to a person (status, up's
// progress, foreground mode, the TUI).
import {formatDuration} from '../util/format.js'
import type {InstanceInfo} from './protocol.js'

/** "exited: 1, restarting in 2s"; null when the state needs no words. */
export function describeReason(instance: Pick<InstanceInfo, 'reason' | 'reasonCode' | 'nextRestartAt' | 'notifyStatus'>, now = Date.now()): string | null {
  if (instance.reasonCode === 'backoff' && instance.nextRestartAt) {
    const inMs = Math.max(0, Date.parse(instance.nextRestartAt) - now)
    return `${instance.reason ?? 'ended'}, restarting in ${formatCountdown(inMs)}`
  }
  return instance.reason ?? instance.notifyStatus
}

/** A wait still to come, rounded up: "in 2s" for 1.2 s, "in 300ms" below a second. */
export function formatCountdown(ms: number): string {
  return ms < 1000 ? formatDuration(ms) : formatDuration(Math.ceil(ms / 1000) * 1000)
}
