// `mar export kubernetes`: a stack as Kubernetes objects, one YAML file per
// runner (its ConfigMap, Secret, Deployment or Job, and Service), in a
// namespace named after the stack, for `kubectl apply -f DIR`. Every key of
// mar.yaml Kubernetes cannot express is in the ExportReport and in a
// comment at the top of the runner's file.
import {basename} from 'node:path'
import {formatCommand} from '../../config/describe-plan.js'
import type {RunnerPlan, StackPlan} from '../../config/types.js'
import {ExitCode, MarError} from '../../util/errors.js'
import type {ExportedFile} from '../../systemd/export.js'
import {convertNames, dnsLabel} from '../names.js'
import {runnerEnv, type EnvOptions} from '../stack-env.js'
import {ExportReport, unexpressedComment, type Unexpressed} from '../unexpressed.js'
import {groupRestartItems, onlyLocal, unexportedKeys} from '../unexported-keys.js'
import {buildContainer, instanceVariables, type K8sObject} from './container.js'
import {renderYaml, type YamlDoc} from './render.js'
import {DEFAULT_KUBECTL_IMAGE, WAIT_ACCOUNT, runnerWaits, waitAccount, waitContainers} from './waits.js'
import {configMap, deployment, deploymentRestart, job, jobRestart, secret, service, type Meta} from './workload.js'

export interface KubernetesOptions extends EnvOptions {
  /** --image: for runners without an `image:` of their own; wins over the top-level `image:`. */
  image?: string
  /** --namespace: an existing namespace (no Namespace object is written). Default: the stack's name, created. */
  namespace?: string
  /** --workdir: the stack's directory inside the image. */
  workdir?: string
  /** --kubectl-image: the image of the init containers that wait for dependencies. */
  kubectlImage?: string
}

export interface KubernetesExport {
  namespace: string
  files: ExportedFile[]
  /** Every object, in file order (what the tests validate). */
  objects: K8sObject[]
  report: ExportReport
}

const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/

/** runner image, then --image, then the top-level image; every runner without one is named at once. */
function images(plan: StackPlan, runners: RunnerPlan[], option: string | undefined): Map<string, string> {
  const found = new Map<string, string>()
  const missing: string[] = []
  for (const runner of runners) {
    const image = runner.image ?? option ?? plan.image
    if (image === undefined) missing.push(runner.name)
    else found.set(runner.name, image)
  }
  if (missing.length > 0) {
    const lines = missing.map((name) => `mar: runner ${name} has no image for Kubernetes (key image) — set image: on it or at the top level of mar.yaml, or pass --image`)
    throw new MarError('no-image', `${missing.length} runner(s) have no image`, {exitCode: ExitCode.usage, details: {issues: lines}})
  }
  return found
}

function nodeAffinity(runner: RunnerPlan, subject: string, report: ExportReport): K8sObject | undefined {
  const hosts = runner.hosts
  if (!hosts || onlyLocal(hosts)) return undefined
  const keys = hosts.map((h) => `mar/${h.length <= 63 ? h : dnsLabel(h)}`)
  report.note(`${subject}: placed only on nodes labelled ${keys.join(' or ')} (kubectl label node NODE ${keys[0]}=)`)
  return {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: keys.map((key) => ({matchExpressions: [{key, operator: 'Exists'}]}))}}}
}

function header(plan: StackPlan, runner: RunnerPlan, items: Unexpressed[]): string[] {
  const first = runner.instances[0]!
  const lines = [
    `${runner.name}: ${runner.oneshot ? 'oneshot' : 'runner'} of group ${runner.group} in stack ${plan.name}, exported by \`mar export kubernetes\` from ${basename(plan.configPath)}.`,
    `mar command: ${formatCommand(first.command)}`,
  ]
  if (runner.scale > 1) lines.push(`scale ${runner.scale}: the replicas are alike${first.port === undefined ? '' : ` — each has PORT ${first.port} on its own address`}; MAR_INSTANCE is not set`)
  if (items.length > 0) lines.push('Not expressed in Kubernetes (the command lists these too):', ...items.map((item) => `  ${unexpressedComment(item)}`))
  return lines
}

export function exportKubernetes(plan: StackPlan, options: KubernetesOptions): KubernetesExport {
  const report = new ExportReport('Kubernetes')
  const runners = plan.startOrder.flatMap((name) => plan.groups.find((g) => g.name === name)!.runners)
  const namespace = options.namespace ?? convertNames([plan.name], dnsLabel, 'stack', report).get(plan.name)!
  const names = convertNames(
    runners.map((r) => r.name),
    dnsLabel,
    'runner',
    report,
  )
  const image = images(plan, runners, options.image)
  const waits = runnerWaits(plan, names, report)
  for (const group of plan.groups) groupRestartItems(group, 'each pod', report)
  unexportedKeys(plan, report, 'Kubernetes')

  const partOf = dnsLabel(plan.name)
  const files: ExportedFile[] = []
  const objects: K8sObject[] = []
  const add = (name: string, docs: YamlDoc[], mode = 0o644) => {
    files.push({name, content: renderYaml(docs), mode})
    objects.push(...docs.map((d) => d.object))
  }

  if (options.namespace === undefined) {
    add('00-namespace.yaml', [{object: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace, labels: {'app.kubernetes.io/part-of': partOf}}}, comment: [`The stack ${plan.name}, exported by \`mar export kubernetes\`: apply with kubectl apply -f DIR (this file first).`]}])
  }
  if ([...waits.values()].some((w) => w.length > 0)) {
    add('01-mar-wait.yaml', waitAccount(namespace, {'app.kubernetes.io/part-of': partOf}).map((object, i) => (i === 0 ? {object, comment: ['What the init containers that wait for dependencies may read: Deployments and Jobs of this namespace.']} : {object})))
  }

  for (const runner of runners) {
    const subject = runner.name
    const first = runner.instances[0]
    if (!first) {
      report.lost(subject, 'scale', '0 (no instances)', 'not exported')
      continue
    }
    const name = names.get(runner.name)!
    const selector = {'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': partOf}
    const meta: Meta = {name, namespace, labels: {...selector, 'app.kubernetes.io/component': dnsLabel(runner.group)}}
    const env = runnerEnv(runner, first, options)
    const data: Record<string, string> = {}
    for (const [key, value] of env.plain) {
      if (CONFIG_MAP_KEY.test(key)) data[key] = value
      else report.lost(subject, 'env', `variable ${JSON.stringify(key)}`, 'left out: not a valid ConfigMap key')
    }
    const secretKeys = env.secret.filter((key) => CONFIG_MAP_KEY.test(key))
    const input = {plan, instance: first, subject, name, image: image.get(runner.name)!, workdir: options.workdir, scale: runner.scale, configMap: `${name}-env`, secret: secretKeys.length > 0 ? `${name}-secrets` : undefined}
    Object.assign(data, instanceVariables(input, plan.name))
    const built = buildContainer(input, report)

    const pod: K8sObject = {}
    const runnerWaitList = waits.get(runner.name) ?? []
    if (runnerWaitList.length > 0) {
      pod.serviceAccountName = WAIT_ACCOUNT
      pod.initContainers = waitContainers(runnerWaitList, options.kubectlImage ?? DEFAULT_KUBECTL_IMAGE)
    }
    pod.containers = [built.container]
    pod.terminationGracePeriodSeconds = built.pod.terminationGracePeriodSeconds
    if (built.pod.linux) pod.os = {name: 'linux'}
    const affinity = nodeAffinity(runner, subject, report)
    if (affinity) pod.affinity = affinity

    let workload: K8sObject
    if (runner.oneshot) {
      const restart = jobRestart(first, subject, report)
      pod.restartPolicy = restart.restartPolicy
      workload = job(meta, runner, pod, restart.backoffLimit)
    } else {
      deploymentRestart(first, subject, report)
      pod.restartPolicy = 'Always'
      workload = deployment(meta, runner, selector, pod, built.minReadySeconds)
    }

    const items = [...report.about(subject), ...report.about(`group ${runner.group}`)]
    const docs: YamlDoc[] = [{object: configMap(meta, `${name}-env`, sortKeys(data)), comment: header(plan, runner, items)}]
    if (secretKeys.length > 0) {
      docs.push({object: secret(meta, `${name}-secrets`, secretKeys), comment: [`The stack sets ${secretKeys.join(', ')}; their values are never exported.`, 'Fill each value in before applying, or create this Secret yourself and delete this document.']})
      report.note(`${subject}: ${secretKeys.join(', ')} look${secretKeys.length === 1 ? 's' : ''} secret: Secret ${name}-secrets holds ${secretKeys.length === 1 ? 'an empty placeholder — fill it' : 'empty placeholders — fill them'} in before applying`)
    }
    docs.push({object: workload, ...(runnerWaitList.length > 0 ? {comment: runnerWaitList.map((w) => `waits for ${w.kind} ${w.name} (${w.why})`)} : {})})
    if (!runner.oneshot && first.port !== undefined) docs.push({object: service(meta, selector, first.port)})
    // The ConfigMap holds the stack's environment values, which may be private: like systemd's units, owner-only.
    add(`${name}.yaml`, docs, 0o600)
  }
  return {namespace, files, objects, report}
}

function sortKeys(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
