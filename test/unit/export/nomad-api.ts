// A Nomad job checked against the structure of Nomad's API: every field is
// one the `api` package's structs have (test/fixtures/nomad/api-structs.json,
// extracted from a pinned Nomad commit by extract-api-structs.mjs), with a
// value of its Go type (durations in nanoseconds), and the driver config
// holds only keys the driver knows. Then the rules Nomad's own job
// validation applies (nomad/structs: RestartPolicy.Validate, ServiceCheck
// validation, "must have at least one main task", UpdateStrategy.Validate)
// to the parts the export writes.
import {readFileSync} from 'node:fs'

type Json = unknown
const api = JSON.parse(readFileSync(new URL('../../fixtures/nomad/api-structs.json', import.meta.url), 'utf8')) as {
  commit: string
  structs: Record<string, Record<string, string>>
  drivers: Record<string, string[]>
}

export const NOMAD_COMMIT = api.commit

const INTEGER = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'time.Duration'])

function checkValue(value: Json, goType: string, path: string, errors: string[]): void {
  const type = goType.replace(/^\*/, '')
  if (value === null) return
  if (type.startsWith('[]')) {
    if (!Array.isArray(value)) errors.push(`${path}: expected a list (${goType})`)
    else value.forEach((item, i) => checkValue(item, type.slice(2), `${path}[${i}]`, errors))
    return
  }
  if (type.startsWith('map[string]')) {
    if (typeof value !== 'object' || Array.isArray(value)) errors.push(`${path}: expected a map (${goType})`)
    else for (const [k, v] of Object.entries(value as Record<string, Json>)) checkValue(v, type.slice('map[string]'.length), `${path}.${k}`, errors)
    return
  }
  if (type === 'any' || type === 'interface{}') return
  if (type === 'string') {
    if (typeof value !== 'string') errors.push(`${path}: expected a string`)
    return
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') errors.push(`${path}: expected true or false`)
    return
  }
  if (INTEGER.has(type)) {
    if (!Number.isInteger(value)) errors.push(`${path}: expected an integer (${goType})`)
    return
  }
  if (type === 'float64' || type === 'float32') {
    if (typeof value !== 'number') errors.push(`${path}: expected a number`)
    return
  }
  const fields = api.structs[type]
  if (!fields) {
    errors.push(`${path}: no struct ${type} in the API`)
    return
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push(`${path}: expected an object (${type})`)
    return
  }
  for (const [key, v] of Object.entries(value as Record<string, Json>)) {
    if (!(key in fields)) errors.push(`${path}.${key}: not a field of ${type}`)
    else checkValue(v, fields[key]!, `${path}.${key}`, errors)
  }
}

type Obj = Record<string, any>

const SERVICE_NAME = /^(?:[a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])$/i
const NS = 1_000_000

/** Every problem with `{"Job": …}`: unknown fields, wrong types, and what Nomad's validation refuses. */
export function nomadJobProblems(document: Obj): string[] {
  const errors: string[] = []
  if (Object.keys(document).join() !== 'Job') errors.push('the document is {"Job": …}')
  const job = document.Job as Obj
  checkValue(job, 'Job', 'Job', errors)
  if (!['service', 'batch'].includes(job.Type)) errors.push(`Job.Type ${job.Type}`)
  for (const tg of job.TaskGroups as Obj[]) {
    const at = `TaskGroup ${tg.Name}`
    if (!Number.isInteger(tg.Count) || tg.Count < 0) errors.push(`${at}: Count`)
    if (!(tg.Tasks as Obj[]).some((t) => !t.Lifecycle)) errors.push(`${at}: must have at least one main task`)
    if (new Set((tg.Tasks as Obj[]).map((t) => t.Name)).size !== tg.Tasks.length) errors.push(`${at}: task names repeat`)
    const labels = new Set<string>()
    for (const net of tg.Networks ?? []) {
      for (const port of net.ReservedPorts ?? []) {
        if (labels.has(port.Label)) errors.push(`${at}: port label ${port.Label} twice`)
        labels.add(port.Label)
        if (!/^[A-Za-z0-9_]+$/.test(port.Label) || port.Value < 1 || port.Value > 65535) errors.push(`${at}: port ${port.Label}=${port.Value}`)
      }
    }
    if (tg.Update) {
      if (job.Type !== 'service') errors.push(`${at}: job type ${job.Type} does not allow update`)
      const u = tg.Update
      if (!(u.MinHealthyTime < u.HealthyDeadline) || !(u.HealthyDeadline < u.ProgressDeadline)) errors.push(`${at}: update deadlines out of order`)
    }
    for (const task of tg.Tasks as Obj[]) {
      const t = `${at} task ${task.Name}`
      const keys = api.drivers[task.Driver]
      if (!keys) errors.push(`${t}: driver ${task.Driver}`)
      else for (const key of Object.keys(task.Config ?? {})) if (!keys.includes(key)) errors.push(`${t}: ${task.Driver} has no config key ${key}`)
      if (typeof task.Config?.command !== 'string' || task.Config.command === '') errors.push(`${t}: config.command is required`)
      if (task.Lifecycle && !['prestart', 'poststart', 'poststop'].includes(task.Lifecycle.Hook)) errors.push(`${t}: lifecycle hook ${task.Lifecycle.Hook}`)
      const r = task.RestartPolicy
      if (r) {
        if (!['delay', 'fail'].includes(r.Mode)) errors.push(`${t}: restart mode ${r.Mode}`)
        if (r.Attempts === 0 && r.Mode !== 'fail') errors.push(`${t}: restart ${r.Mode} with 0 attempts is ambiguous`)
        if (r.Interval < 5000 * NS) errors.push(`${t}: restart interval under 5s`)
        if (r.Attempts * r.Delay > r.Interval) errors.push(`${t}: ${r.Attempts} restarts with delay ${r.Delay} do not fit the interval ${r.Interval}`)
      }
      for (const service of task.Services ?? []) {
        if (!SERVICE_NAME.test(service.Name)) errors.push(`${t}: service name ${service.Name}`)
        if (service.PortLabel && !labels.has(service.PortLabel)) errors.push(`${t}: service port ${service.PortLabel} is not in the network`)
        for (const check of service.Checks ?? []) {
          const allowed = service.Provider === 'nomad' ? ['http', 'tcp'] : ['http', 'tcp', 'script', 'grpc']
          if (!allowed.includes(check.Type)) errors.push(`${t}: ${service.Provider} runs no ${check.Type} check`)
          if (check.Interval < 1000 * NS || check.Timeout < 1000 * NS) errors.push(`${t}: check ${check.Name} interval/timeout under 1s`)
          if (check.Type !== 'script' && !labels.has(check.PortLabel)) errors.push(`${t}: check ${check.Name} port ${check.PortLabel} is not in the network`)
          if (check.Type === 'script' && !check.Command) errors.push(`${t}: script check without command`)
        }
      }
    }
  }
  return errors
}
