// `mar export kubernetes` as a library: every object it writes passes the
// Kubernetes OpenAPI schema (through kubernetes-models, which is generated
// from it: each object is constructed by its model class and validated),
// the YAML reads back as the same objects, and each key of mar.yaml lands
// where the README's table says — or in the list of what Kubernetes cannot
// express.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import type {StackPlan} from '../../../src/config/types.js'
import {exportKubernetes, type KubernetesExport} from '../../../src/export/kubernetes/export.js'
import {unexpressedLine} from '../../../src/export/unexpressed.js'
import {MarError} from '../../../src/util/errors.js'
import {schemaErrors} from './k8s-schema.js'
import {DOT_ENV, SHELL_ENV, STACK_YAML, planOf} from './stacks.js'

type Obj = Record<string, any>

const objectsOf = (r: KubernetesExport): Obj[] => r.objects as Obj[]

let plan: StackPlan
let cleanup: () => void
let result: KubernetesExport
const find = (kind: string, name: string): Obj => {
  const found = objectsOf(result).find((o) => o.kind === kind && o.metadata.name === name)
  if (!found) throw new Error(`no ${kind} ${name}`)
  return found
}
const container = (kind: string, name: string): Obj => find(kind, name).spec.template.spec.containers[0]
const lines = () => result.report.unexpressed.map(unexpressedLine)

beforeAll(async () => {
  ;({plan, cleanup} = await planOf(STACK_YAML, {'.env': DOT_ENV}))
  result = exportKubernetes(plan, {baseEnv: SHELL_ENV, extraEnv: [], workdir: '/app'})
})
afterAll(() => cleanup())

describe('exportKubernetes: the objects', () => {
  it('every object passes the Kubernetes OpenAPI schema (kubernetes-models)', () => {
    expect(objectsOf(result).length).toBeGreaterThan(10)
    expect(schemaErrors(objectsOf(result))).toEqual([])
  })

  it('the schema check is real: a wrong type or a missing field fails it', () => {
    const deployment = structuredClone(find('Deployment', 'web'))
    deployment.spec.template.spec.containers[0].ports[0].containerPort = '3000'
    const job = structuredClone(find('Job', 'migrate'))
    delete job.spec.template.spec.containers[0].name
    expect(schemaErrors([deployment, job])).toEqual([expect.stringContaining('containerPort must be integer'), expect.stringContaining('must have required property name')])
  })

  it('files: the namespace first, then the wait account, then one per runner in start order; each reads back as its objects', () => {
    expect(result.files.map((f) => f.name)).toEqual(['00-namespace.yaml', '01-mar-wait.yaml', 'db.yaml', 'cache.yaml', 'migrate.yaml', 'web.yaml', 'worker.yaml'])
    const read = result.files.flatMap((f) => parseAllDocuments(f.content, {version: '1.1'}).map((d) => d.toJS()))
    expect(read).toEqual(JSON.parse(JSON.stringify(objectsOf(result))))
    // Values YAML 1.1 (kubectl) would read as a boolean or an octal number stay strings.
    expect(result.files.find((f) => f.name === 'web.yaml')!.content).toMatch(/FLAG: "on"\n[\s\S]*ZIP: "0123"/)
    expect(result.files.filter((f) => f.name.endsWith('.yaml') && !/^0/.test(f.name)).every((f) => f.mode === 0o600)).toBe(true)
  })

  it('a namespace named after the stack; --namespace uses an existing one instead', () => {
    expect(result.namespace).toBe('shop-dev')
    expect(objectsOf(result).every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'shop-dev')).toBe(true)
    expect(result.report.notes).toContain('stack "shop.dev" is named "shop-dev" in Kubernetes (its names allow fewer characters)')
    const other = exportKubernetes(plan, {baseEnv: SHELL_ENV, extraEnv: [], namespace: 'prod'})
    expect(objectsOf(other).some((o) => o.kind === 'Namespace')).toBe(false)
    expect(objectsOf(other).every((o) => o.metadata.namespace === 'prod')).toBe(true)
  })

  it('a runner is a Deployment with replicas = scale; a oneshot is a Job; a port is a containerPort and a Service', () => {
    expect(find('Deployment', 'web').spec.replicas).toBe(3)
    expect(find('Deployment', 'web').spec.selector.matchLabels).toEqual({'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'shop-dev'})
    expect(find('Job', 'migrate').spec).toMatchObject({completions: 1, parallelism: 1, backoffLimit: 0})
    expect(find('Job', 'migrate').spec.template.spec.restartPolicy).toBe('Never')
    expect(container('Deployment', 'db').ports).toEqual([{containerPort: 5432, protocol: 'TCP'}])
    expect(find('Service', 'db').spec).toEqual({selector: {'app.kubernetes.io/name': 'db', 'app.kubernetes.io/part-of': 'shop-dev'}, ports: [{name: 'port', port: 5432, targetPort: 5432, protocol: 'TCP'}]})
    expect(objectsOf(result).filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).toEqual(['db', 'web'])
  })

  it('commands: an argv as is, a string through /bin/sh -c as mar runs it (plain words exec’d directly)', () => {
    expect(container('Deployment', 'db')).toMatchObject({command: ['postgres'], args: ['-D', '/var/lib/postgresql/data']})
    expect(container('Deployment', 'web')).toMatchObject({command: ['/bin/sh'], args: ['-c', 'exec node server.js --port "$PORT"']})
    expect(container('Deployment', 'worker')).toMatchObject({command: ['bundle'], args: ['exec', 'sidekiq']})
    expect(container('Job', 'migrate')).toMatchObject({command: ['./bin/migrate'], args: ['--all'], workingDir: '/app'})
  })

  it('images: the runner’s own, else the top level’s (interpolated); --image wins over the top level only', () => {
    expect(container('Deployment', 'db').image).toBe('postgres:16')
    expect(container('Deployment', 'web').image).toBe('registry.example.com/shop:dev')
    const flagged = exportKubernetes(plan, {baseEnv: SHELL_ENV, extraEnv: [], image: 'shop:ci'})
    const images = objectsOf(flagged).filter((o) => o.kind === 'Deployment' || o.kind === 'Job').map((o) => o.spec.template.spec.containers[0].image)
    expect(images).toEqual(['postgres:16', 'redis:7', 'shop:ci', 'shop:ci', 'shop:ci'])
  })

  it('environment: a ConfigMap of what the stack declares plus PORT and MAR_*; secrets as empty placeholders; nothing of the shell', () => {
    expect(find('ConfigMap', 'web-env').data).toEqual({
      FLAG: 'on',
      GREETING: 'hello "world", it\'s 100% $5 off',
      LOG_LEVEL: 'info',
      MAR_RUNNER: 'web',
      MAR_STACK: 'shop.dev',
      NODE_ENV: 'production',
      PORT: '3000',
      ZIP: '0123',
    })
    expect(find('ConfigMap', 'db-env').data).toMatchObject({MAR_INSTANCE: '1', PORT: '5432'})
    expect(find('Secret', 'migrate-secrets').stringData).toEqual({API_TOKEN: '', DATABASE_PASSWORD: ''})
    expect(container('Deployment', 'web').envFrom).toEqual([{configMapRef: {name: 'web-env'}}, {secretRef: {name: 'web-secrets'}}])
    expect(container('Deployment', 'web').env).toEqual([{name: 'MAR_HOST', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}}])
    const text = result.files.map((f) => f.content).join('')
    for (const leak of ['hunter2', 't0k3n', 'the shell’s own', 'INHERITED_SECRET', 'EDITOR', '/home/tester']) expect(text).not.toContain(leak)
    expect(result.files.find((f) => f.name === 'migrate.yaml')!.content).toContain('# The stack sets API_TOKEN, DATABASE_PASSWORD; their values are never exported.')
    expect(result.report.notes).toContain('migrate: API_TOKEN, DATABASE_PASSWORD look secret: Secret migrate-secrets holds empty placeholders — fill them in before applying')
    const withEditor = exportKubernetes(plan, {baseEnv: SHELL_ENV, extraEnv: ['EDITOR'], workdir: '/app'})
    expect(objectsOf(withEditor).find((o) => o.metadata.name === 'web-env')!.data.EDITOR).toBe('vi')
  })

  it('probes: ready → startupProbe + readinessProbe, health → livenessProbe; http, tcp and exec handlers', () => {
    const db = container('Deployment', 'db')
    expect(db.startupProbe).toEqual({tcpSocket: {port: 5432}, periodSeconds: 1, failureThreshold: 30})
    expect(db.readinessProbe).toEqual({tcpSocket: {port: 5432}, periodSeconds: 1})
    const cache = container('Deployment', 'cache')
    expect(cache.readinessProbe).toEqual({exec: {command: ['redis-cli', 'ping']}, periodSeconds: 1})
    expect(cache.livenessProbe).toEqual({exec: {command: ['redis-cli', 'ping']}, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 5})
    const web = container('Deployment', 'web')
    expect(web.startupProbe).toEqual({httpGet: {path: '/health', port: 3000, scheme: 'HTTP'}, periodSeconds: 1, failureThreshold: 20})
    expect(web.livenessProbe).toEqual({httpGet: {path: '/live', port: 3000, scheme: 'HTTP'}, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3})
    const worker = container('Deployment', 'worker')
    expect(worker.readinessProbe).toBeUndefined()
    expect(worker.livenessProbe).toBeUndefined()
  })

  it('resources → requests and limits; memory_limit → the memory limit; stop → grace period, preStop, stopSignal', () => {
    const db = container('Deployment', 'db')
    expect(db.resources).toEqual({requests: {cpu: '500m', memory: '256Mi'}, limits: {cpu: '500m', memory: '256Mi'}})
    expect(db.lifecycle).toEqual({stopSignal: 'SIGINT'})
    expect(find('Deployment', 'db').spec.template.spec).toMatchObject({terminationGracePeriodSeconds: 30, os: {name: 'linux'}})
    expect(container('Deployment', 'web').lifecycle).toEqual({preStop: {exec: {command: ['node', 'drain.js']}}})
    expect(find('Deployment', 'web').spec.template.spec.terminationGracePeriodSeconds).toBe(10)
  })

  it('depends_on and ordered groups → init containers that wait with kubectl, as the ServiceAccount mar-wait', () => {
    const names = (kind: string, name: string) => (find(kind, name).spec.template.spec.initContainers ?? []).map((c: Obj) => c.name)
    expect(names('Deployment', 'db')).toEqual([])
    expect(names('Deployment', 'cache')).toEqual(['created-deployment-db', 'wait-deployment-db'])
    expect(names('Job', 'migrate')).toEqual(['created-deployment-db', 'wait-deployment-db', 'created-deployment-cache', 'wait-deployment-cache'])
    // ready on infra: its services; completed on setup: its oneshot.
    expect(names('Deployment', 'web')).toEqual(['created-deployment-db', 'wait-deployment-db', 'created-deployment-cache', 'wait-deployment-cache', 'created-job-migrate', 'wait-job-migrate'])
    const init = find('Deployment', 'web').spec.template.spec.initContainers
    expect(init[4]).toEqual({name: 'created-job-migrate', image: 'registry.k8s.io/kubectl:v1.33.0', command: ['kubectl', 'wait', '--for=create', 'job/migrate', '--timeout=-1s']})
    expect(init[5].command).toEqual(['kubectl', 'wait', '--for=condition=complete', 'job/migrate', '--timeout=-1s'])
    expect(init[1].command).toEqual(['kubectl', 'rollout', 'status', 'deployment/db', '--watch', '--timeout=0s'])
    expect(find('Deployment', 'web').spec.template.spec.serviceAccountName).toBe('mar-wait')
    expect(find('Deployment', 'db').spec.template.spec.serviceAccountName).toBeUndefined()
    expect(find('Role', 'mar-wait').rules).toEqual([
      {apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch']},
      {apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch']},
    ])
  })

  it('hosts → required node affinity on mar/NAME labels', () => {
    expect(find('Deployment', 'web').spec.template.spec.affinity).toEqual({
      nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: 'mar/web', operator: 'Exists'}]}]}},
    })
    expect(find('Deployment', 'db').spec.template.spec.affinity).toBeUndefined()
  })
})

describe('exportKubernetes: what Kubernetes cannot express', () => {
  it('is listed key by key, with what was done instead', () => {
    expect(lines()).toEqual([
      'group infra: strategy: ordered: stop in reverse order — started in order (init containers); Kubernetes stops them all at once',
      'group app: restart: one-for-all (restart the group\'s runners together) — each pod restarts on its own',
      'web: watch: restart on file changes — not exported: ship the change as a new version and roll it out',
      'worker: log: rotation at 1M, keeping 2 — the kubelet rotates container logs by the node\'s containerLogMaxSize and containerLogMaxFiles',
      'web: health.status: http health expecting status 204 — the kubelet takes any status from 200 to 399 as success',
      'web: restart: policy on-failure — a Deployment\'s pods always restart (restartPolicy: Always), after a clean exit too',
      'web: restart.limit: 5/1m — the kubelet restarts without limit (CrashLoopBackOff)',
      'web: restart.backoff: 1s…1m ×2 — the kubelet\'s own backoff: 10s doubling up to 5m',
      'worker: ready: log /ready to work/ (the kubelet cannot match output lines) — no readinessProbe: the pod is ready once its container runs',
      'worker: health: notify (the kubelet has no sd_notify socket) — no livenessProbe: only a crash restarts the container',
    ])
  })

  it('and said in a comment at the top of the runner’s file', () => {
    const worker = result.files.find((f) => f.name === 'worker.yaml')!.content
    expect(worker.split('\n\n')[0]).toBe(
      [
        '# worker: runner of group app in stack shop.dev, exported by `mar export kubernetes` from mar.yaml.',
        '# mar command: bundle exec sidekiq',
        '# scale 3: the replicas are alike; MAR_INSTANCE is not set',
        '# Not expressed in Kubernetes (the command lists these too):',
        "#   log: rotation at 1M, keeping 2 — the kubelet rotates container logs by the node's containerLogMaxSize and containerLogMaxFiles",
        '#   ready: log /ready to work/ (the kubelet cannot match output lines) — no readinessProbe: the pod is ready once its container runs',
        '#   health: notify (the kubelet has no sd_notify socket) — no livenessProbe: only a crash restarts the container',
        "#   restart: one-for-all (restart the group's runners together) — each pod restarts on its own",
      ].join('\n'),
    )
  })

  it('a oneshot’s restart: on-failure → OnFailure with backoffLimit, always → listed', async () => {
    const {plan: p, cleanup: done} = await planOf('image: x\nrunners:\n  a: {cmd: x, oneshot: true, restart: {policy: on-failure, limit: 3/1m}}\n  b: {cmd: x, oneshot: true, restart: always}\n  c: {cmd: x, ready: {after: 2s}}\n')
    try {
      const r = exportKubernetes(p, {baseEnv: SHELL_ENV, extraEnv: []})
      const spec = (name: string) => objectsOf(r).find((o) => o.metadata.name === name && o.spec?.template)!.spec
      expect(spec('a')).toMatchObject({backoffLimit: 3, template: {spec: {restartPolicy: 'OnFailure'}}})
      expect(spec('b')).toMatchObject({backoffLimit: 6, template: {spec: {restartPolicy: 'OnFailure'}}})
      expect(spec('c').minReadySeconds).toBe(2)
      expect(r.report.unexpressed.map((u) => `${u.subject} ${u.key}`)).toEqual(['a restart.limit', 'b restart', 'b restart', 'c ready'])
      expect(schemaErrors(objectsOf(r))).toEqual([])
    } finally {
      done()
    }
  })
})

describe('exportKubernetes: long names', () => {
  it('the init containers that wait for two long names sharing a start keep apart (a container name is at most 63 characters)', async () => {
    const a = `${'a'.repeat(50)}x`
    const b = `${'a'.repeat(50)}y`
    const {plan: p, cleanup: done} = await planOf(`image: x\ngroups:\n  base:\n    runners:\n      ${a}: x\n      ${b}: x\n  app:\n    depends_on: [base]\n    runners:\n      web: x\n`)
    try {
      const r = exportKubernetes(p, {baseEnv: SHELL_ENV, extraEnv: []})
      const web = objectsOf(r).find((o) => o.kind === 'Deployment' && o.metadata.name === 'web')!
      const names: string[] = web.spec.template.spec.initContainers.map((c: Obj) => c.name)
      expect(names).toHaveLength(4)
      expect(new Set(names).size).toBe(4)
      expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(63)
      expect(schemaErrors(objectsOf(r))).toEqual([])
    } finally {
      done()
    }
  })
})

describe('exportKubernetes: bad input', () => {
  it('a runner with no image: one line each, naming the runner and the key, exit 2', async () => {
    const {plan: p, cleanup: done} = await planOf('runners:\n  web: node s.js\n  db: {cmd: postgres, image: postgres:16}\n  worker: node w.js\n')
    try {
      let error: unknown
      try {
        exportKubernetes(p, {baseEnv: SHELL_ENV, extraEnv: []})
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(MarError)
      expect((error as MarError).exitCode).toBe(2)
      expect((error as MarError).details?.issues).toEqual([
        'mar: runner web has no image for Kubernetes (key image) — set image: on it or at the top level of mar.yaml, or pass --image',
        'mar: runner worker has no image for Kubernetes (key image) — set image: on it or at the top level of mar.yaml, or pass --image',
      ])
    } finally {
      done()
    }
  })

  it('names that are not valid Kubernetes names are converted, and two that collide are refused', async () => {
    const {plan: p, cleanup: done} = await planOf('image: x\nrunners:\n  Web_API: {cmd: x, port: 80}\n  9lives: x\n')
    try {
      const r = exportKubernetes(p, {baseEnv: SHELL_ENV, extraEnv: []})
      expect(objectsOf(r).filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['web-api', 'mar-9lives'])
      expect(schemaErrors(objectsOf(r))).toEqual([])
    } finally {
      done()
    }
    const {plan: q, cleanup: done2} = await planOf('image: x\nrunners:\n  web_api: x\n  web-api: x\n')
    try {
      expect(() => exportKubernetes(q, {baseEnv: SHELL_ENV, extraEnv: []})).toThrow('runners "web_api" and "web-api" both become "web-api" in Kubernetes')
    } finally {
      done2()
    }
  })
})
