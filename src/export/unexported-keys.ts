// Runner keys that concern how mar itself watches a process on one machine
// and that an engine has no counterpart for, checked the same way for both.
import {DEFAULTS} from '../config/defaults.js'
import {formatSize} from '../config/units.js'
import type {BackoffSpec, GroupPlan, StackPlan} from '../config/types.js'
import type {Engine, ExportReport} from './unexpressed.js'

export function unexportedKeys(plan: StackPlan, report: ExportReport, engine: Engine): void {
  for (const runner of plan.groups.flatMap((g) => g.runners)) {
    const first = runner.instances[0]
    if (!first) continue
    if (first.watch) report.lost(runner.name, 'watch', 'restart on file changes', 'not exported: ship the change as a new version and roll it out')
    const log = first.log
    // Nomad's logs block says the same thing (export/nomad); the kubelet's rotation is the node's.
    if (engine === 'Kubernetes' && (log.maxSize !== DEFAULTS.log.maxSize || log.keep !== DEFAULTS.log.keep)) {
      report.lost(runner.name, 'log', `rotation at ${formatSize(log.maxSize)}, keeping ${log.keep}`, "the kubelet rotates container logs by the node's containerLogMaxSize and containerLogMaxFiles")
    }
  }
}

/** A group's restart strategy and limit: both engines restart each workload on its own (`each`: "each pod", "each task"). */
export function groupRestartItems(group: GroupPlan, each: string, report: ExportReport): void {
  const subject = `group ${group.name}`
  if (group.restart.strategy !== 'one-for-one') report.lost(subject, 'restart', `${group.restart.strategy} (restart the group's runners together)`, `${each} restarts on its own`)
  if (group.restart.limit) report.lost(subject, 'restart.limit', `${group.restart.limit.count} restarts of the group`, 'no group-wide limit')
}

/** Whether a runner's backoff is mar's default (then the engine's own is no loss worth listing). */
export function isDefaultBackoff(backoff: BackoffSpec): boolean {
  const d = DEFAULTS.backoff
  return backoff.initialMs === d.initialMs && backoff.maxMs === d.maxMs && backoff.factor === d.factor
}

/** Whether a runner's `hosts` name only this machine (written `hosts: [local]`): any node, once exported. */
export function onlyLocal(hosts: readonly string[]): boolean {
  return hosts.length === 1 && hosts[0] === 'local'
}
