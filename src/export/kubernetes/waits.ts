// mar's start order as init containers. A runner waits for what mar would
// have it wait for — its groups' depends_on, and in an ordered group the
// runner before it — by running kubectl in an init container: `kubectl
// wait --for=condition=complete` for a Job (a oneshot that must have exited
// 0), `kubectl rollout status` for a Deployment (every replica ready, what
// mar's `ready` means; its Service answers from then on). Each wait is
// preceded by `kubectl wait --for=create`, since the objects are applied
// together and a wait for one that does not exist yet fails at once. The
// pods that wait run as the ServiceAccount `mar-wait`, allowed only to read
// Deployments and Jobs of the namespace.
import type {GroupPlan, RunnerPlan, StackPlan} from '../../config/types.js'
import {dnsLabel} from '../names.js'
import type {ExportReport} from '../unexpressed.js'
import type {K8sObject} from './container.js'

export const WAIT_ACCOUNT = 'mar-wait'
export const DEFAULT_KUBECTL_IMAGE = 'registry.k8s.io/kubectl:v1.33.0'

export interface Wait {
  /** The runner waited for (its Kubernetes name). */
  name: string
  kind: 'job' | 'deployment'
  why: string
}

/** What each runner waits for before it starts, by runner name. */
export function runnerWaits(plan: StackPlan, names: ReadonlyMap<string, string>, report: ExportReport): Map<string, Wait[]> {
  const waits = new Map<string, Wait[]>()
  const groups = new Map(plan.groups.map((g) => [g.name, g]))
  const add = (runner: RunnerPlan, on: RunnerPlan, why: string) => {
    if (on.scale === 0) return
    const list = waits.get(runner.name) ?? []
    const wait: Wait = {name: names.get(on.name)!, kind: on.oneshot ? 'job' : 'deployment', why}
    if (!list.some((w) => w.name === wait.name)) list.push(wait)
    waits.set(runner.name, list)
  }
  for (const group of plan.groups) {
    for (const dep of group.dependsOn) {
      const other = groups.get(dep.group)!
      if (dep.condition === 'started') {
        report.lost(`group ${group.name}`, 'depends_on', `${dep.group}: started (every instance spawned)`, 'no wait: Kubernetes starts the pods of both at once')
        continue
      }
      for (const on of other.runners) {
        // `completed` asks only that oneshots exited 0; services need only be up.
        if (dep.condition === 'completed' && !on.oneshot) continue
        for (const runner of group.runners) add(runner, on, `depends_on ${dep.group}: ${dep.condition}`)
      }
    }
    if (group.strategy === 'ordered') orderedWaits(group, add, report)
  }
  return waits
}

function orderedWaits(group: GroupPlan, add: (runner: RunnerPlan, on: RunnerPlan, why: string) => void, report: ExportReport): void {
  group.runners.forEach((runner, i) => {
    const before = group.runners[i - 1]
    if (before) add(runner, before, `group ${group.name} is ordered`)
  })
  if (group.runners.length > 1) report.lost(`group ${group.name}`, 'strategy', 'ordered: stop in reverse order', 'started in order (init containers); Kubernetes stops them all at once')
}

export function waitContainers(waits: readonly Wait[], image: string): K8sObject[] {
  return waits.flatMap((wait) => {
    const ref = `${wait.kind}/${wait.name}`
    const until = wait.kind === 'job' ? ['kubectl', 'wait', '--for=condition=complete', ref, '--timeout=-1s'] : ['kubectl', 'rollout', 'status', ref, '--watch', '--timeout=0s']
    return [
      {name: dnsLabel(`created-${wait.kind}-${wait.name}`), image, command: ['kubectl', 'wait', '--for=create', ref, '--timeout=-1s']},
      {name: dnsLabel(`wait-${wait.kind}-${wait.name}`), image, command: until},
    ]
  })
}

/** The ServiceAccount the waiting pods run as, and what it may read. */
export function waitAccount(namespace: string, labels: Record<string, string>): K8sObject[] {
  const metadata = {name: WAIT_ACCOUNT, namespace, labels}
  return [
    {apiVersion: 'v1', kind: 'ServiceAccount', metadata},
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [
        {apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch']},
        {apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch']},
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WAIT_ACCOUNT},
      subjects: [{kind: 'ServiceAccount', name: WAIT_ACCOUNT, namespace}],
    },
  ]
}
