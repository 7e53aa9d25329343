// Instance status → the documented JSON of `mar status --json` (SPEC §3):
// camelCase, ISO times, bytes.
import type {InstanceStatus} from '../supervisor/instance-status.js'
import type {InstanceJson} from '../api/protocol.js'

export interface Usage {
  cpu: number
  memory: number
}

export function toInstanceJson(status: InstanceStatus, usage?: Usage): InstanceJson {
  const running = status.pid !== null
  return {
    name: status.name,
    runner: status.runner,
    group: status.group,
    host: status.host,
    state: status.state,
    health: status.health === 'none' ? null : status.health,
    pid: status.pid,
    startedAt: status.startedAt === null ? null : new Date(status.startedAt).toISOString(),
    restarts: status.restarts,
    lastExit: status.lastExit ? {code: status.lastExit.code, signal: status.lastExit.signal} : null,
    cpu: running && usage ? Math.round(usage.cpu * 10) / 10 : null,
    memory: running && usage ? usage.memory : null,
    reason: status.reason ?? status.status,
  }
}
