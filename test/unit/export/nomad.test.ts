// `mar export nomad` as a library: the job of the test stack is a golden
// file (test/golden/export/nomad/; UPDATE_GOLDEN=1 rewrites it), checked
// against the structure of Nomad's API and the rules of its job validation
// (nomad-api.ts), and each key of mar.yaml lands where the README's table
// says — or in the list of what Nomad cannot express.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {StackPlan} from '../../../src/config/types.js'
import {exportNomad, type NomadExport, type NomadOptions} from '../../../src/export/nomad/export.js'
import {unexpressedLine} from '../../../src/export/unexpressed.js'
import {checkGoldenFile} from '../../helpers/golden.js'
import {nomadJobProblems} from './nomad-api.js'
import {DOT_ENV, SHELL_ENV, STACK_YAML, planOf} from './stacks.js'

type Obj = Record<string, any>

const OPTIONS: NomadOptions = {driver: 'raw_exec', provider: 'nomad', workdir: '/srv/shop', baseEnv: SHELL_ENV, extraEnv: []}

let plan: StackPlan
let cleanup: () => void
let result: NomadExport
const job = (): Obj => result.jobs[0]!.Job as Obj
const group = (name: string): Obj => job().TaskGroups.find((tg: Obj) => tg.Name === name)
const task = (tgName: string, name: string): Obj => group(tgName).Tasks.find((t: Obj) => t.Name === name)

beforeAll(async () => {
  ;({plan, cleanup} = await planOf(STACK_YAML, {'.env': DOT_ENV}))
  result = exportNomad(plan, OPTIONS)
})
afterAll(() => cleanup())

/** Export `yaml` with `options`; the jobs and the report. */
async function exported(yaml: string, options: Partial<NomadOptions> = {}): Promise<NomadExport> {
  const {plan: p, cleanup: done} = await planOf(yaml)
  try {
    return exportNomad(p, {...OPTIONS, ...options})
  } finally {
    done()
  }
}

describe('exportNomad: the job', () => {
  it('matches the golden file', () => {
    expect(result.files.map((f) => f.name)).toEqual(['shop-dev.nomad.json'])
    expect(checkGoldenFile('export/nomad/stack.nomad.json', result.files[0]!.content)).toBeNull()
  })

  it('has only fields of Nomad’s API structures, with their types, and passes the rules of Nomad’s job validation', () => {
    expect(nomadJobProblems(result.jobs[0]!)).toEqual([])
  })

  it('the structural check is real: an unknown field, a wrong type, a bad restart block fail it', () => {
    const broken = structuredClone(result.jobs[0]!) as Obj
    broken.Job.TaskGroups[0].Count = '1'
    broken.Job.TaskGroups[0].Tasks[0].KillTimout = 5
    broken.Job.TaskGroups[0].Tasks[0].Config.workdir = '/x'
    broken.Job.TaskGroups[0].Tasks[0].RestartPolicy = {Attempts: 10, Interval: 5e9, Delay: 1e9, Mode: 'delay'}
    expect(nomadJobProblems(broken)).toEqual([
      'Job.TaskGroups[0].Count: expected an integer (*int)',
      'Job.TaskGroups[0].Tasks[0].KillTimout: not a field of Task',
      'TaskGroup infra: Count',
      'TaskGroup infra task db: raw_exec has no config key workdir',
      'TaskGroup infra task db: 10 restarts with delay 1000000000 do not fit the interval 5000000000',
    ])
  })

  it('groups → task groups with count = scale; one job of type service, named after the stack', () => {
    expect(job()).toMatchObject({ID: 'shop-dev', Name: 'shop-dev', Type: 'service', Datacenters: ['*'], Meta: {mar_stack: 'shop.dev'}})
    expect(job().TaskGroups.map((tg: Obj) => [tg.Name, tg.Count, tg.Tasks.map((t: Obj) => `${t.Name}${t.Lifecycle ? `:${t.Lifecycle.Hook}` : ''}`)])).toEqual([
      ['infra', 1, ['db', 'cache']],
      ['app', 3, ['migrate:prestart', 'web', 'worker']],
    ])
  })

  it('runners → raw_exec tasks running the command as mar does, in the working directory under --workdir', () => {
    expect(task('infra', 'db').Config).toEqual({command: 'postgres', args: ['-D', '/var/lib/postgresql/data'], work_dir: '/srv/shop'})
    expect(task('app', 'web').Config).toEqual({command: '/bin/sh', args: ['-c', 'exec node server.js --port "$PORT"'], work_dir: '/srv/shop'})
    // A relative program is found from the working directory, as mar finds it.
    expect(task('app', 'migrate').Config).toEqual({command: '/srv/shop/bin/migrate', args: ['--all'], work_dir: '/srv/shop'})
  })

  it('env: what the stack declares, PORT and MAR_*; secrets from a Nomad variable through a template, never in the job', () => {
    expect(task('app', 'web').Env).toEqual({FLAG: 'on', GREETING: 'hello "world", it\'s 100% $5 off', LOG_LEVEL: 'info', MAR_HOST: '${node.unique.name}', MAR_RUNNER: 'web', MAR_STACK: 'shop.dev', NODE_ENV: 'production', PORT: '3000', ZIP: '0123'})
    expect(task('app', 'migrate').Templates).toEqual([
      {
        DestPath: 'secrets/mar.env',
        EmbeddedTmpl: 'MAR_INSTANCE={{ env "NOMAD_ALLOC_INDEX" | parseInt | add 1 }}\n{{ with nomadVar "nomad/jobs/shop-dev" }}\nAPI_TOKEN={{ .API_TOKEN | toJSON }}\nDATABASE_PASSWORD={{ .DATABASE_PASSWORD | toJSON }}\n{{ end }}\n',
        Envvars: true,
        ChangeMode: 'restart',
        ErrMissingKey: true,
      },
    ])
    const text = result.files[0]!.content
    for (const leak of ['hunter2', 't0k3n', 'the shell’s own', 'INHERITED_SECRET', 'EDITOR', '/home/tester']) expect(text).not.toContain(leak)
    expect(result.report.notes).toContain('migrate: API_TOKEN, DATABASE_PASSWORD look secret: their values come from the Nomad variable nomad/jobs/shop-dev (nomad var put nomad/jobs/shop-dev API_TOKEN=… DATABASE_PASSWORD=…)')
  })

  it('ports → static ports of the task group’s network; probes → service checks; health with check_restart', () => {
    expect(group('infra').Networks).toEqual([{Mode: 'host', ReservedPorts: [{Label: 'db', Value: 5432}]}])
    expect(task('infra', 'db').Services).toEqual([{Name: 'shop-dev-db', Provider: 'nomad', PortLabel: 'db', Checks: [{Name: 'ready', Interval: 1e9, Timeout: 2e9, Type: 'tcp', PortLabel: 'db'}]}])
    expect(task('app', 'web').Services[0].Checks).toEqual([
      {Name: 'ready', Interval: 1e9, Timeout: 2e9, Type: 'http', Path: '/health', Protocol: 'http', PortLabel: 'web'},
      {Name: 'health', Interval: 5e9, Timeout: 2e9, Type: 'http', Path: '/live', Protocol: 'http', PortLabel: 'web', CheckRestart: {Limit: 3, Grace: 20e9}},
    ])
    // exec probes are script checks, which only Consul runs.
    expect(task('infra', 'cache').Services).toBeUndefined()
    expect(group('app').Update).toEqual({HealthCheck: 'checks', MinHealthyTime: 0, HealthyDeadline: 20e9, ProgressDeadline: 600e9})
  })

  it('restart → the restart block; resources, memory_limit, stop, log, hosts', () => {
    expect(task('app', 'web').RestartPolicy).toEqual({Attempts: 5, Interval: 60e9, Delay: 1e9, Mode: 'fail'})
    expect(task('app', 'worker').RestartPolicy).toEqual({Attempts: 1, Interval: 30e9, Delay: 0.1e9, Mode: 'delay'})
    expect(task('app', 'migrate').RestartPolicy).toEqual({Attempts: 0, Interval: 30e9, Delay: 0.1e9, Mode: 'fail'})
    expect(task('infra', 'db').Resources).toEqual({CPU: 500, MemoryMB: 256, MemoryMaxMB: 1024})
    expect(task('infra', 'db')).toMatchObject({KillSignal: 'SIGINT', KillTimeout: 30e9})
    expect(task('app', 'worker').LogConfig).toEqual({MaxFiles: 2, MaxFileSizeMB: 1})
    expect(task('app', 'web').Constraints).toEqual([{LTarget: '${meta.mar_hosts}', Operand: 'set_contains_any', RTarget: 'web'}])
    expect(group('app').ReschedulePolicy).toEqual({Attempts: 0, Unlimited: false})
  })
})

describe('exportNomad: what Nomad cannot express', () => {
  it('is listed key by key, with what was done instead, and kept in each task’s meta', () => {
    expect(result.report.unexpressed.map(unexpressedLine)).toEqual([
      'web: watch: restart on file changes — not exported: ship the change as a new version and roll it out',
      'migrate: scale: 1 run of the oneshot — a lifecycle task runs once in each allocation of app (3): 3 runs',
      'cache: ready: exec redis-cli ping (a command) — no check: Nomad runs script checks only with --service-provider consul',
      'cache: health: exec [redis-cli, ping] (a command) — no check: Nomad runs script checks only with --service-provider consul',
      'web: restart: policy on-failure — Nomad restarts a service job\'s task after a clean exit too',
      'web: restart.backoff: 1s…1m ×2 — a fixed delay of 1s (±25% jitter)',
      'web: stop.cmd: run [node, drain.js] before the signal — not exported: Nomad only sends kill_signal',
      'web: health.status: http health expecting status 204 — Nomad takes any 2xx as passing',
      'worker: ready: log /ready to work/ (Nomad cannot match output lines) — no check: the allocation counts as healthy once its tasks run',
      'worker: health: notify (Nomad has no sd_notify socket) — no check: only a crash restarts the task',
      'group infra: strategy: ordered (each after the previous is ready; stop in reverse) — oneshots before the first service run as prestart tasks; the main tasks start and stop together',
      'group setup: depends_on: infra: ready — Nomad starts task groups independently: this group\'s tasks do not wait',
      'group app: depends_on: infra: ready — Nomad starts task groups independently: this group\'s tasks do not wait',
      'group app: restart: one-for-all (restart the group\'s runners together) — each task restarts on its own',
    ])
    expect(task('app', 'worker').Meta.mar_not_expressed).toBe(
      "ready: log /ready to work/ (Nomad cannot match output lines) — no check: the allocation counts as healthy once its tasks run; health: notify (Nomad has no sd_notify socket) — no check: only a crash restarts the task; depends_on: infra: ready — Nomad starts task groups independently: this group's tasks do not wait; restart: one-for-all (restart the group's runners together) — each task restarts on its own",
    )
  })
})

describe('exportNomad: layouts', () => {
  it('an ordered group: oneshots before the first service are prestart tasks, and nothing is lost', async () => {
    const r = await exported('groups:\n  app:\n    strategy: ordered\n    runners:\n      migrate: {cmd: x, oneshot: true}\n      web: {cmd: y, port: 8080}\n')
    expect((r.jobs[0]!.Job as Obj).TaskGroups[0].Tasks.map((t: Obj) => [t.Name, t.Lifecycle?.Hook])).toEqual([['migrate', 'prestart'], ['web', undefined]])
    expect(r.report.unexpressed).toEqual([])
    expect(nomadJobProblems(r.jobs[0]!)).toEqual([])
  })

  it('a parallel group: its oneshots are poststart tasks beside the services', async () => {
    const r = await exported('runners:\n  web: y\n  seed: {cmd: x, oneshot: true}\n')
    expect((r.jobs[0]!.Job as Obj).TaskGroups[0].Tasks.map((t: Obj) => [t.Name, t.Lifecycle?.Hook])).toEqual([['web', undefined], ['seed', 'poststart']])
  })

  it('different scales: one task group per runner; a group of oneshots nothing depends on: a second, batch job', async () => {
    const r = await exported('groups:\n  app:\n    runners:\n      web: {cmd: y, scale: 2}\n      worker: z\n  tools:\n    runners:\n      report: {cmd: x, oneshot: true}\n')
    expect(r.files.map((f) => f.name)).toEqual([expect.stringMatching(/\.nomad\.json$/), expect.stringMatching(/-oneshots\.nomad\.json$/)])
    expect((r.jobs[0]!.Job as Obj).TaskGroups.map((tg: Obj) => [tg.Name, tg.Count])).toEqual([['app-web', 2], ['app-worker', 1]])
    expect(r.jobs[1]!.Job).toMatchObject({Type: 'batch', TaskGroups: [{Name: 'tools', Count: 1, Tasks: [{Name: 'report'}]}]})
    for (const j of r.jobs) expect(nomadJobProblems(j)).toEqual([])
  })

  it('a stack of oneshots only: one batch job, oneshots as main tasks', async () => {
    const r = await exported('runners:\n  a: {cmd: x, oneshot: true}\n  b: {cmd: y, oneshot: true}\n')
    expect(r.jobs).toHaveLength(1)
    expect(r.jobs[0]!.Job).toMatchObject({Type: 'batch', TaskGroups: [{Tasks: [{Name: 'a'}, {Name: 'b'}]}]})
    expect(nomadJobProblems(r.jobs[0]!)).toEqual([])
  })

  it('--service-provider consul: exec probes become script checks; --driver exec', async () => {
    const r = await exported('runners:\n  cache: {cmd: redis-server, ready: {exec: redis-cli ping}}\n', {provider: 'consul', driver: 'exec'})
    const t = (r.jobs[0]!.Job as Obj).TaskGroups[0].Tasks[0]
    expect(t.Driver).toBe('exec')
    expect(t.Services).toEqual([{Name: expect.any(String), Provider: 'consul', Checks: [{Name: 'ready', Interval: 1e9, Timeout: 2e9, Type: 'script', Command: 'redis-cli', Args: ['ping']}]}])
    expect(nomadJobProblems(r.jobs[0]!)).toEqual([])
  })

  it('a split group’s task group that meets another group’s name is refused, naming both', async () => {
    await expect(exported('groups:\n  app:\n    runners:\n      web: {cmd: y, scale: 2}\n      worker: z\n  app-web:\n    runners:\n      other: x\n')).rejects.toThrow('groups "app" and "app-web" would both have a task group named "app-web" in Nomad')
  })

  it('two runners whose names give one port label or one service name are refused, naming both', async () => {
    // api-v1 and api_v1: NOMAD_PORT_api_v1 both, and one of the ports would be dropped without a word.
    await expect(exported('runners:\n  api-v1: {cmd: x, port: 3000}\n  api_v1: {cmd: y, port: 4000}\n')).rejects.toThrow('runners "api-v1" and "api_v1" both become "api_v1" in Nomad')
    // Without ports they still share a service name (s-api-v1).
    await expect(exported('runners:\n  api-v1: x\n  api_v1: y\n')).rejects.toThrow(/runners "api-v1" and "api_v1" both become "[a-z0-9-]*api-v1" in Nomad/)
  })

  it('without --workdir: where the stack is for mar; a remote host’s home is not known', async () => {
    const r = await exported('hosts:\n  h1: {ssh: h1}\nrunners:\n  web: {cmd: x}\n  far: {cmd: y, hosts: [h1]}\n', {workdir: undefined})
    const [web, far] = (r.jobs[0]!.Job as Obj).TaskGroups[0].Tasks
    expect(web.Config.work_dir).toMatch(/^\/.*mar-export-/)
    expect(far.Config.work_dir).toBeUndefined()
    expect(r.report.unexpressed.map((u) => `${u.subject} ${u.key}`)).toEqual(['far cwd'])
  })
})
