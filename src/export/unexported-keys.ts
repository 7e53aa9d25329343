// Runner keys that concern how mar itself watches a process on one machine
// and that an engine has no counterpart for, checked the same way for both.
import {DEFAULTS} from '../config/defaults.js'
import {formatSize} from '../config/units.js'
import type {StackPlan} from '../config/types.js'
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
