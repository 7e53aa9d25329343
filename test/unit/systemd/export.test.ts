// `mar export systemd` as a library: a realistic stack (argv and shell
// commands, env values with spaces, quotes, % and $, ordered and dependent
// groups, oneshot, notify, limits) becomes units that systemd-analyze
// accepts and that systemd reads back as the stack meant.
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadStack} from '../../../src/config/load.js'
import type {StackPlan} from '../../../src/config/types.js'
import {exportStack, writeExport, type ExportResult} from '../../../src/systemd/export.js'
import {canDump, dumpUnit, execTimeArgv, hasAnalyze, problemsAbout, verify} from './systemd-tools.js'

const fixtures = new URL('../../fixtures/bin/', import.meta.url).pathname
const node = process.execPath
const baseEnv = {PATH: `${dirname(node)}:/usr/bin:/bin`, HOME: '/home/tester', INHERITED_SECRET: 'not for the units'}

export const SHOP_YAML = `
name: shop
env:
  GREETING: 'hello "world", it''s 100% $$5 off'
  SPACED: "a  b"
groups:
  infra:
    strategy: ordered
    runners:
      db:
        cmd: [node, "${fixtures}tcp-server.mjs", "--name", "db \\"main\\" 50% $$HOME"]
        port: 5432
        cwd: "data 100%"
        ready: { exec: "test -n \\"$PORT\\"", interval: 500ms, timeout: 15s }
        stop: { signal: SIGINT, timeout: 30s }
      cache:
        cmd: [/bin/sleep, "1000"]
        ready: { after: 1500ms }
  setup:
    runners:
      migrate: { cmd: "echo migrating; true", oneshot: true }
  app:
    depends_on: { infra: ready, setup: completed }
    restart: one-for-all
    runners:
      web:
        cmd: node "${fixtures}http-server.mjs" --greeting "\${GREETING}"
        scale: 2
        port: 3000
        env: { WEB_MODE: "fast & loose" }
        ready: { http: "http://127.0.0.1:\${PORT}/health", timeout: 20s }
        health: { http: "http://127.0.0.1:\${PORT}/health", interval: 5s }
        restart: { policy: on-failure, backoff: { initial: 250ms, max: 10s }, limit: 5/60s }
        memory_limit: 512M
        resources: { cpu: 0.5 }
        stop: { cmd: "echo stopping" }
      worker:
        cmd: "node -e 'setInterval(() => {}, 1000)'"
        ready: notify
`

let project: string
let plan: StackPlan
let result: ExportResult
let out: string
const file = (name: string) => join(out, name)

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'mar-export-'))
  writeFileSync(join(project, 'mar.yaml'), SHOP_YAML)
  mkdirSync(join(project, 'data 100%'))
  const loaded = await loadStack({cwd: project, env: baseEnv})
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'))
  plan = loaded.plan
  result = exportStack(plan, {scope: 'system', baseEnv, extraEnv: []})
  out = join(project, 'units')
  await writeExport(out, result.files, false)
})
afterAll(() => rmSync(project, {recursive: true, force: true}))

const UNITS = ['shop-db.1.service', 'shop-cache.1.service', 'shop-migrate.1.service', 'shop-web.1.service', 'shop-web.2.service', 'shop-worker.1.service']

describe('exportStack', () => {
  it('writes one unit per instance and a target that wants them all', () => {
    expect(result.files.map((f) => f.name).sort()).toEqual([...UNITS, 'shop.target'].sort())
    const target = readFileSync(file('shop.target'), 'utf8')
    for (const unit of UNITS) expect(target).toContain(`Wants=${unit}\n`)
    expect(target).toContain('WantedBy=multi-user.target')
    expect(result.warnings).toEqual([])
  })

  it.skipIf(!hasAnalyze)('passes systemd-analyze verify', () => {
    const files = [...UNITS, 'shop.target'].map(file)
    const verified = verify(files)
    expect(problemsAbout(verified, files)).toEqual([])
    expect(verified.code).toBe(0)
  })

  it('argv: each argument quoted for systemd, $ and % escaped, the program made absolute', () => {
    const text = readFileSync(file('shop-db.1.service'), 'utf8')
    expect(text).toContain(`ExecStart=${node} ${fixtures}tcp-server.mjs --name 'db "main" 50%% $$HOME'`)
  })

  it.skipIf(!canDump)('systemd reads back the argv, the shell command, env, cwd and stop settings', () => {
    const db = dumpUnit(out, 'shop-db.1.service')
    expect(execTimeArgv(db.commands.get('ExecStart')![0]!.argv)).toEqual([node, `${fixtures}tcp-server.mjs`, '--name', 'db "main" 50% $HOME'])
    expect(db.props.get('WorkingDirectory')).toEqual([join(project, 'data 100%')])
    expect(db.props.get('KillSignal')).toEqual(['SIGINT'])
    expect(db.props.get('TimeoutStopSec')).toEqual(['30s'])
    expect(db.props.get('Type')).toEqual(['exec'])
    // The exec readiness probe polls in ExecStartPost=, within the ready timeout.
    expect(execTimeArgv(db.commands.get('ExecStartPost')![0]!.argv)).toEqual(['/bin/sh', '-c', 'until /bin/sh -c "$1"; do sleep 0.5; done', 'mar-ready', 'test -n "$PORT"'])
    expect(db.props.get('TimeoutStartSec')).toEqual(['15s'])
    const env = db.props.get('Environment')!
    expect(env).toContain(`GREETING=hello "world", it's 100% $5 off`)
    expect(env).toContain('SPACED=a  b')
    expect(env).toContain('PORT=5432')
    expect(env).toContain('MAR_INSTANCE=1')
    expect(env).toContain('MAR_STACK=shop')
    // Only what the stack sets: nothing inherited from the shell.
    expect(env.some((e) => /^(PATH|HOME|INHERITED_SECRET)=/.test(e))).toBe(false)

    const web = dumpUnit(out, 'shop-web.2.service')
    expect(execTimeArgv(web.commands.get('ExecStart')![0]!.argv)).toEqual(['/bin/sh', '-c', `exec node "${fixtures}http-server.mjs" --greeting "\${GREETING}"`])
    expect(web.props.get('Environment')).toContain('PORT=3001')
    expect(web.props.get('Environment')).toContain('WEB_MODE=fast & loose')
    expect(execTimeArgv(web.commands.get('ExecStop')![0]!.argv)).toEqual(['/bin/sh', '-c', 'echo stopping'])
    expect(web.props.get('Restart')).toEqual(['on-failure'])
    expect(web.props.get('RestartSec')).toEqual(['250ms'])
    expect(web.props.get('MemoryMax')).toEqual([String(512 * 1024 * 1024)])
  })

  it('depends_on → Requires= and After= on every instance of the groups depended on; ordered → After= chain', () => {
    const web = readFileSync(file('shop-web.1.service'), 'utf8')
    for (const dep of ['shop-db.1.service', 'shop-cache.1.service', 'shop-migrate.1.service']) {
      expect(web).toContain(`After=${dep}\n`)
      expect(web).toContain(`Requires=${dep}\n`)
    }
    const cache = readFileSync(file('shop-cache.1.service'), 'utf8')
    expect(cache).toContain('After=shop-db.1.service\n')
    expect(cache).not.toContain('Requires=')
    expect(readFileSync(file('shop-db.1.service'), 'utf8')).not.toMatch(/^After=/m)
    // Parallel group: no chain between web.1 and web.2.
    expect(readFileSync(file('shop-web.2.service'), 'utf8')).not.toContain('After=shop-web.1.service')
  })

  it('restart, limits, oneshot, notify, after, memory and CPU', () => {
    const web = readFileSync(file('shop-web.1.service'), 'utf8')
    expect(web).toContain('StartLimitIntervalSec=60s\nStartLimitBurst=6\n')
    expect(web).toContain('CPUQuota=50%\n')
    expect(web).toContain('PartOf=shop.target\n')
    const migrate = readFileSync(file('shop-migrate.1.service'), 'utf8')
    expect(migrate).toContain('Type=oneshot\nRemainAfterExit=yes\nTimeoutStartSec=infinity\n')
    expect(migrate).toContain('Restart=no\n')
    const worker = readFileSync(file('shop-worker.1.service'), 'utf8')
    expect(worker).toContain('Type=notify\nNotifyAccess=all\n')
    expect(worker).toContain('Restart=always\n')
    expect(worker).toContain('StartLimitIntervalSec=0\n')
    expect(readFileSync(file('shop-cache.1.service'), 'utf8')).toContain('ExecStartPost=/bin/sleep 1.5\n')
  })

  it('says in a comment what systemd cannot do', () => {
    const web = readFileSync(file('shop-web.1.service'), 'utf8')
    expect(web).toMatch(/^# ready: http http:\/\/127\.0\.0\.1:3000\/health is not exported/m)
    expect(web).toMatch(/^# health: http .* is not exported/m)
    expect(web).toMatch(/^# group app restart one-for-all is not exported/m)
    expect(web).toMatch(/^# restart backoff 250ms…10s ×2 is not exported/m)
    expect(web).toMatch(/^# memory_limit 512M is MemoryMax=/m)
  })

  it('units with environment values are private (0600), the target is not', () => {
    expect(statSync(file('shop-web.1.service')).mode & 0o777).toBe(0o600)
    expect(statSync(file('shop.target')).mode & 0o777).toBe(0o644)
  })

  it('--env exports an inherited variable too; user units install into default.target', () => {
    const user = exportStack(plan, {scope: 'user', baseEnv, extraEnv: ['PATH', 'NOPE']})
    const web = user.files.find((f) => f.name === 'shop-web.1.service')!.content
    expect(web).toContain(`Environment=PATH=${baseEnv.PATH}\n`)
    expect(web).not.toContain('INHERITED_SECRET')
    expect(user.files.find((f) => f.name === 'shop.target')!.content).toContain('WantedBy=default.target')
    expect(user.warnings).toEqual(['--env NOPE: no instance has it in its environment'])
  })

  it('system units of a non-root user run as that user', () => {
    const asUser = exportStack(plan, {scope: 'system', baseEnv, extraEnv: [], account: {user: 'alice', group: 'staff'}})
    expect(asUser.files[0]!.content).toContain('User=alice\nGroup=staff\n')
  })

  it('never overwrites silently: existing files are an error unless forced', async () => {
    await expect(writeExport(out, result.files, false)).rejects.toMatchObject({code: 'file-exists'})
    await expect(writeExport(out, result.files, true)).resolves.toHaveLength(result.files.length)
  })
})

describe('programs', () => {
  it('warns when a shell command\'s program is only on the stack\'s PATH, not on systemd\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mar-export-path-'))
    try {
      mkdirSync(join(dir, 'mybin'))
      writeFileSync(join(dir, 'mybin', 'only-here'), '#!/bin/sh\nexec sleep 1000\n', {mode: 0o755})
      writeFileSync(join(dir, 'mar.yaml'), 'runners:\n  app: only-here --flag\n  tool: { cmd: [only-here, x] }\n  missing: { cmd: [no-such-program-anywhere] }\n')
      const env = {...baseEnv, PATH: `${join(dir, 'mybin')}:${baseEnv.PATH}`}
      const loaded = await loadStack({cwd: dir, env})
      if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'))
      const exported = exportStack(loaded.plan, {scope: 'system', baseEnv: env, extraEnv: []})
      expect(exported.warnings).toEqual([
        `app.1: only-here is ${join(dir, 'mybin', 'only-here')}, outside systemd's default PATH; export with --env PATH`,
        'missing.1: no-such-program-anywhere not found in PATH; systemd will look for it in its own PATH',
      ])
      // An argv program is written as the absolute path PATH found.
      expect(exported.files.find((f) => f.name.endsWith('tool.1.service'))!.content).toContain(`ExecStart=${join(dir, 'mybin', 'only-here')} x\n`)
      expect(exportStack(loaded.plan, {scope: 'system', baseEnv: env, extraEnv: ['PATH']}).warnings).toHaveLength(1)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('placement', () => {
  it('--host exports one host\'s share; an unknown host is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mar-export-hosts-'))
    try {
      writeFileSync(
        join(dir, 'mar.yaml'),
        `name: multi
hosts:
  far: { ssh: far-alias }
groups:
  infra:
    runners:
      db: { cmd: [/bin/sleep, "1"], hosts: [far] }
  app:
    depends_on: [infra]
    runners:
      web: { cmd: [/bin/sleep, "1"] }
`,
      )
      const loaded = await loadStack({cwd: dir, env: baseEnv})
      if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'))
      const all = exportStack(loaded.plan, {scope: 'system', baseEnv, extraEnv: []})
      expect(all.warnings[0]).toMatch(/placed on .*--host NAME/)
      const local = exportStack(loaded.plan, {scope: 'system', baseEnv, extraEnv: [], host: 'local'})
      expect(local.files.map((f) => f.name)).toEqual(['multi-web.1.service', 'multi.target'])
      expect(local.files[0]!.content).toMatch(/^# depends on db\.1 \(host far\) of group infra, not exported with --host local$/m)
      expect(local.files[0]!.content).not.toContain('Requires=')
      expect(() => exportStack(loaded.plan, {scope: 'system', baseEnv, extraEnv: [], host: 'nowhere'})).toThrow(/no host "nowhere"/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
