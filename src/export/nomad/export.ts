// `mar export nomad`: a stack as one Nomad job in the JSON format of Nomad's
// HTTP API — what `nomad job run -json FILE` submits — with the field names
// of its Job, TaskGroup and Task structures. JSON rather than HCL2 because
// it is the API's own form: no second syntax to get right, nothing to
// escape but JSON, and the same text `nomad job inspect` shows back. JSON has
// no comments, so what Nomad cannot express is also kept in each task's
// meta (mar_not_expressed) beside being printed.
import type {StackPlan} from '../../config/types.js'
import type {ExportedFile} from '../../systemd/export.js'
import {ExitCode, MarError} from '../../util/errors.js'
import {convertNames, dnsLabel, nomadJobId, portLabel} from '../names.js'
import type {EnvOptions} from '../stack-env.js'
import {ExportReport, unexpressedComment} from '../unexpressed.js'
import {groupRestartItems, unexportedKeys} from '../unexported-keys.js'
import {taskService, type Port, type ServiceProvider} from './checks.js'
import {layoutJobs, taskGroupsOf, type JobLayout, type Layout, type TaskGroupLayout} from './layout.js'
import {buildTask, type Driver} from './task.js'
import {nanoseconds, type NomadObject} from './units.js'

export interface NomadOptions extends EnvOptions {
  driver: Driver
  provider: ServiceProvider
  /** --workdir: the stack's directory on the Nomad clients. */
  workdir?: string
}

export interface NomadExport {
  /** `{"Job": …}` per job: the stack's, and the batch job of oneshots nothing depends on, if any. */
  jobs: NomadObject[]
  files: ExportedFile[]
  report: ExportReport
}

/** Nomad's defaults for a deployment's progress deadline; the healthy deadline must stay below it. */
const PROGRESS_DEADLINE_MS = 10 * 60_000

function taskGroup(plan: StackPlan, tg: TaskGroupLayout, type: JobLayout['type'], jobId: string, options: NomadOptions, report: ExportReport): NomadObject {
  const ports: Port[] = []
  let deadline = 0
  const tasks = tg.tasks.map((slot) => {
    const instance = slot.runner.instances[0]!
    const task = buildTask({...options, plan, runner: slot.runner, instance, jobId, hook: slot.hook}, report)
    const svc = taskService({stack: plan.name, instance, subject: slot.runner.name, provider: options.provider, oneshot: slot.runner.oneshot}, report)
    if (svc.service) task.Services = [svc.service]
    for (const port of svc.ports) {
      const clash = ports.find((p) => p.Value === port.Value && p.Label !== port.Label)
      if (clash) report.lost(slot.runner.name, 'port', `${port.Value}, which ${clash.Label} of task group ${tg.name} uses too`, 'reserved once: the tasks share the allocation\'s network')
      else if (!ports.some((p) => p.Label === port.Label)) ports.push(port)
    }
    if (svc.readyTimeoutMs !== undefined) deadline = Math.max(deadline, svc.readyTimeoutMs)
    return task
  })
  const group: NomadObject = {Name: tg.name, Count: tg.count}
  if (ports.length > 0) {
    group.Networks = [{Mode: 'host', ReservedPorts: ports}]
    if (tg.count > 1) report.note(`task group ${tg.name}: static port${ports.length > 1 ? 's' : ''} ${ports.map((p) => p.Value).join(', ')}: at most one of its ${tg.count} allocations per client (mar gives each instance its own port: PORT + index - 1)`)
  }
  group.Tasks = tasks
  // mar leaves a runner that ran out of restarts failed; a rescheduled allocation would start it elsewhere.
  group.ReschedulePolicy = {Attempts: 0, Unlimited: false}
  if (type === 'service' && deadline > 0) {
    group.Update = {HealthCheck: 'checks', MinHealthyTime: 0, HealthyDeadline: nanoseconds(deadline), ProgressDeadline: nanoseconds(Math.max(PROGRESS_DEADLINE_MS, deadline + 60_000))}
  }
  return group
}

/** depends_on and ordered groups: expressed only where a prestart task runs before the main tasks that wait for it. */
function orderItems(plan: StackPlan, layout: Layout, report: ExportReport): void {
  const groups = new Map(plan.groups.map((g) => [g.name, g]))
  for (const group of plan.groups) {
    const subject = `group ${group.name}`
    for (const dep of group.dependsOn) {
      const waited = groups.get(dep.group)!.runners.filter((r) => r.instances.length > 0)
      const mine = taskGroupsOf(layout, group.name)
      const expressed =
        waited.length === 0 ||
        (mine.length > 0 && mine.every((tg) => waited.every((r) => tg.tasks.some((t) => t.runner === r && t.hook === 'prestart')) && tg.tasks.every((t) => t.runner.group !== group.name || t.hook === undefined)))
      if (!expressed) report.lost(subject, 'depends_on', `${dep.group}: ${dep.condition}`, "Nomad starts task groups independently: this group's tasks do not wait")
    }
    if (group.strategy === 'ordered') {
      const present = group.runners.filter((r) => r.instances.length > 0)
      const firstService = present.findIndex((r) => !r.oneshot)
      const inOrder = firstService === -1 ? present.length <= 1 : present.slice(firstService).length === 1
      if (!inOrder) report.lost(subject, 'strategy', 'ordered (each after the previous is ready; stop in reverse)', 'oneshots before the first service run as prestart tasks; the main tasks start and stop together')
    }
    groupRestartItems(group, 'each task', report)
  }
}

/** A split group's task groups (`app-web`) may meet a group of that name: Nomad needs them apart. */
function checkTaskGroupNames(layout: JobLayout): void {
  const seen = new Map<string, string>()
  for (const tg of layout.groups) {
    const other = seen.get(tg.name)
    if (other !== undefined) throw new MarError('name-collision', `groups "${other}" and "${tg.group}" would both have a task group named "${tg.name}" in Nomad`, {hint: 'rename a group or a runner in mar.yaml', exitCode: ExitCode.usage})
    seen.set(tg.name, tg.group)
  }
}

function job(plan: StackPlan, id: string, layout: JobLayout, options: NomadOptions, report: ExportReport): NomadObject {
  checkTaskGroupNames(layout)
  return {
    Job: {
      ID: id,
      Name: id,
      Type: layout.type,
      Datacenters: ['*'],
      Meta: {mar_stack: plan.name},
      TaskGroups: layout.groups.map((tg) => taskGroup(plan, tg, layout.type, id, options, report)),
    },
  }
}

/** JSON has no comments: the keys Nomad cannot express for a task go in its meta. */
function annotate(plan: StackPlan, jobs: NomadObject[], report: ExportReport): void {
  const groupOf = new Map(plan.groups.flatMap((g) => g.runners.map((r) => [r.name, g.name] as const)))
  for (const {Job} of jobs as Array<{Job: {TaskGroups: Array<{Tasks: NomadObject[]}>}}>) {
    for (const task of Job.TaskGroups.flatMap((tg) => tg.Tasks)) {
      const runner = task.Name as string
      const items = [...report.about(runner), ...report.about(`group ${groupOf.get(runner)}`)]
      if (items.length > 0) task.Meta = {mar_not_expressed: items.map(unexpressedComment).join('; ')}
    }
  }
}

export function exportNomad(plan: StackPlan, options: NomadOptions): NomadExport {
  const report = new ExportReport('Nomad')
  const id = convertNames([plan.name], nomadJobId, 'stack', report).get(plan.name)!
  // A runner's port label and its service's name are made from its name (checks.ts): two runners must not share one.
  const runners = plan.groups.flatMap((g) => g.runners)
  convertNames(runners.filter((r) => r.instances.some((i) => i.port !== undefined)).map((r) => r.name), portLabel, 'runner', report, {quiet: true})
  convertNames(runners.map((r) => r.name), (name) => dnsLabel(`${plan.name}-${name}`), 'runner', report, {quiet: true})
  unexportedKeys(plan, report, 'Nomad')
  const layout = layoutJobs(plan, report)
  const jobs = [job(plan, id, layout.main, options, report)]
  if (layout.oneshots) jobs.push(job(plan, `${id}-oneshots`, layout.oneshots, options, report))
  orderItems(plan, layout, report)
  annotate(plan, jobs, report)
  const files = jobs.map((j) => ({name: `${(j.Job as NomadObject).ID as string}.nomad.json`, content: `${JSON.stringify(j, null, 2)}\n`, mode: 0o600}))
  return {jobs, files, report}
}
