// What both exports share: name conversion, which variables leave the
// machine (and which are secrets), probe targets, working directories, and
// how --strict words its refusal.
import {describe, expect, it} from 'vitest'
import {convertNames, dnsLabel, nomadJobId, portLabel} from '../../../src/export/names.js'
import {probeTarget} from '../../../src/export/probe-target.js'
import {isSecretName, runnerEnv} from '../../../src/export/stack-env.js'
import {ExportReport, strictError} from '../../../src/export/unexpressed.js'
import {exportWorkdir} from '../../../src/export/workdir.js'
import {MarError} from '../../../src/util/errors.js'
import {loadPlan} from '../config/helpers.js'

describe('names', () => {
  it('dnsLabel: lower case, _ and . to -, a digit first gets mar-, long names cut with a hash', () => {
    expect(dnsLabel('web')).toBe('web')
    expect(dnsLabel('Web_API')).toBe('web-api')
    expect(dnsLabel('shop.dev')).toBe('shop-dev')
    expect(dnsLabel('2fa')).toBe('mar-2fa')
    expect(dnsLabel('web_')).toBe('web')
    const long = 'a'.repeat(100)
    expect(dnsLabel(long)).toMatch(/^a{57}-[0-9a-f]{5}$/)
    expect(dnsLabel(long)).not.toBe(dnsLabel(`${'a'.repeat(99)}b`))
    for (const name of ['web', 'Web_API', '2fa', long, 'x-y_z']) expect(dnsLabel(name)).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/)
  })

  it('portLabel and nomadJobId keep what Nomad allows', () => {
    expect(portLabel('web-api')).toBe('web_api')
    expect(nomadJobId('shop.dev')).toBe('shop-dev')
  })

  it('convertNames notes renamed names and refuses two that become one, naming both', () => {
    const report = new ExportReport('Kubernetes')
    const names = convertNames(['web', 'Web_API'], dnsLabel, 'runner', report)
    expect([...names]).toEqual([['web', 'web'], ['Web_API', 'web-api']])
    expect(report.notes).toEqual(['runner "Web_API" is named "web-api" in Kubernetes (their names allow fewer characters)'])
    let error: unknown
    try {
      convertNames(['web_api', 'web-api'], dnsLabel, 'runner', report)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MarError)
    expect((error as MarError).code).toBe('name-collision')
    expect((error as MarError).exitCode).toBe(2)
    expect((error as MarError).message).toBe('runners "web_api" and "web-api" both become "web-api" in Kubernetes')
  })
})

describe('environment', () => {
  it('secret-looking names: *_KEY, *_TOKEN, *PASSWORD*, *SECRET* (any case)', () => {
    for (const key of ['API_KEY', 'GITHUB_TOKEN', 'DB_PASSWORD', 'PASSWORD_FILE', 'client_secret', 'MY_PASSWD']) expect(isSecretName(key), key).toBe(true)
    for (const key of ['KEYBOARD', 'TOKENS_PER_MINUTE', 'NODE_ENV', 'PORT', 'MONKEY']) expect(isSecretName(key), key).toBe(false)
  })

  it('only what the stack declares (even a value the shell has too) and --env names; secrets by name only', async () => {
    const env = {PATH: '/usr/bin:/bin', HOME: '/home/tester', NODE_ENV: 'production', SHELL_TOKEN: 'mine', EDITOR: 'vi'}
    const {plan} = await loadPlan('env: {NODE_ENV: production}\nrunners:\n  web: {cmd: x, port: 3000, env: {API_KEY: abc, MODE: fast}}\n', {env})
    const runner = plan.groups[0]!.runners[0]!
    const got = runnerEnv(runner, runner.instances[0]!, {baseEnv: env, extraEnv: ['EDITOR', 'SHELL_TOKEN', 'NOT_SET']})
    expect(got).toEqual({plain: [['EDITOR', 'vi'], ['MODE', 'fast'], ['NODE_ENV', 'production']], secret: ['API_KEY', 'SHELL_TOKEN']})
    // A plan from before declaredEnv: what differs from the shell.
    const old = {...runner, declaredEnv: undefined}
    expect(runnerEnv(old, runner.instances[0]!, {baseEnv: env, extraEnv: []}).plain.map(([k]) => k)).toEqual(['MODE'])
  })
})

describe('probe targets', () => {
  it('http: scheme, port (default by scheme), path with query; local hosts are the engine’s own address', () => {
    expect(probeTarget({kind: 'http', url: 'http://127.0.0.1:3000/health?deep=1'})).toEqual({kind: 'http', https: false, host: null, port: 3000, path: '/health?deep=1'})
    expect(probeTarget({kind: 'http', url: 'https://localhost/', status: 204})).toEqual({kind: 'http', https: true, host: null, port: 443, path: '/', status: 204})
    expect(probeTarget({kind: 'http', url: 'http://db.internal:8080'})).toEqual({kind: 'http', https: false, host: 'db.internal', port: 8080, path: '/'})
    expect(probeTarget({kind: 'http', url: 'not a url'})).toBeNull()
    expect(probeTarget({kind: 'tcp', host: '127.0.0.1', port: 5432})).toEqual({kind: 'tcp', host: null, port: 5432})
    expect(probeTarget({kind: 'log', pattern: 'x'})).toBeNull()
  })
})

describe('working directories', () => {
  it('under --workdir; the image’s WORKDIR without it; a relative cwd without a base is a problem; a host dir: is a base', async () => {
    const {plan} = await loadPlan('hosts:\n  h1: {ssh: h1, dir: /srv/shop}\nrunners:\n  a: x\n  b: {cmd: x, cwd: backend}\n  c: {cmd: x, cwd: /var/data}\n  d: {cmd: x, cwd: api, hosts: [h1]}\n  e: {cmd: x, hosts: [h1]}\n')
    const [a, b, c, d, e] = plan.groups[0]!.runners.map((r) => r.instances[0]!)
    expect(exportWorkdir(plan, a!, '/app', false)).toEqual({dir: '/app'})
    expect(exportWorkdir(plan, b!, '/app', false)).toEqual({dir: '/app/backend'})
    expect(exportWorkdir(plan, a!, undefined, false)).toEqual({})
    expect(exportWorkdir(plan, b!, undefined, false)).toEqual({problem: "cwd backend is relative to the stack's directory, which is not known in the image"})
    expect(exportWorkdir(plan, c!, undefined, false)).toEqual({dir: '/var/data'})
    expect(exportWorkdir(plan, d!, undefined, false)).toEqual({dir: '/srv/shop/api'})
    expect(exportWorkdir(plan, e!, '/app', false)).toEqual({dir: '/app'})
    // Nomad's raw_exec: the stack's directory here is where it is there.
    expect(exportWorkdir(plan, b!, undefined, true)).toEqual({dir: b!.cwd})
  })

  it('a remote host without dir: is its home, which no engine knows', async () => {
    const {plan} = await loadPlan('hosts:\n  h1: {ssh: h1}\nrunners:\n  a: {cmd: x, hosts: [h1], cwd: app}\n')
    expect(exportWorkdir(plan, plan.groups[0]!.runners[0]!.instances[0]!, undefined, true)).toEqual({problem: 'cwd ~/app is under the home directory of host h1, which the engine does not know'})
  })
})

describe('--strict', () => {
  it('one line per key, then what to do; exit 2; the items as data', () => {
    const report = new ExportReport('Nomad')
    report.lost('web', 'ready', 'log /up/ (Nomad cannot match output lines)', 'no check')
    report.note('only a note')
    const error = strictError(report)
    expect(error.exitCode).toBe(2)
    expect(error.code).toBe('not-expressible')
    expect(error.details?.issues).toEqual([
      'mar: Nomad cannot express web: ready: log /up/ (Nomad cannot match output lines) — no check',
      'mar: --strict: 1 key of mar.yaml cannot be expressed in Nomad; nothing written — change them, or export without --strict',
    ])
  })
})
