// Hosts through the built binary: names and ssh destinations that try to
// inject into a shell or into ssh's options are config errors (exit 2, one
// line each, nothing run), a runner naming a host not declared is one too,
// and `mar hosts` lists the hosts, with and without a daemon.
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {marPaths} from '../../src/api/home.js'
import {connectSocket} from '../../src/api/transports.js'
import {stackTests} from '../helpers/stack-tests.js'

const t = stackTests()

describe('hostile host and runner names', () => {
  const cases: Array<[what: string, yaml: string, line: RegExp]> = [
    ['a host named "web; rm -rf ~"', 'hosts:\n  "web; rm -rf ~": {ssh: h1}\nrunners: {a: touch MARKER}\n', /^mar\.yaml:2:3: invalid name "web; rm -rf ~": a name may contain only letters/],
    ['a host named "$(touch MARKER)"', 'hosts:\n  "$(touch MARKER)": {ssh: h1}\nrunners: {a: touch MARKER}\n', /^mar\.yaml:2:3: invalid name "\$\(touch MARKER\)"/],
    ['a host named "-oProxyCommand=touch MARKER"', 'hosts:\n  "-oProxyCommand=touch MARKER": {ssh: h1}\nrunners: {a: touch MARKER}\n', /^mar\.yaml:2:3: invalid name "-oProxyCommand=touch MARKER": .*starts with a letter or digit/],
    ['a runner named "web; rm -rf ~"', 'runners:\n  "web; rm -rf ~": touch MARKER\n', /^mar\.yaml:2:3: invalid name "web; rm -rf ~"/],
    ['a runner named "$(touch MARKER)"', 'runners:\n  "$(touch MARKER)": touch MARKER\n', /^mar\.yaml:2:3: invalid name "\$\(touch MARKER\)"/],
    ['a runner named "-x"', 'runners:\n  "-x": touch MARKER\n', /^mar\.yaml:2:3: invalid name "-x"/],
    ['an ssh destination starting with "-"', 'hosts:\n  h1: {ssh: "-oProxyCommand=touch MARKER"}\nrunners: {a: {cmd: touch MARKER, hosts: [h1]}}\n', /^mar\.yaml:2:13: host "h1": ssh destination "-oProxyCommand=touch MARKER" starts with "-", which ssh would read as an option — write user@host/],
    ['an ssh destination with a space', 'hosts:\n  h1: {ssh: "h1 touch MARKER"}\nrunners: {a: {cmd: touch MARKER, hosts: [h1]}}\n', /^mar\.yaml:2:13: host "h1": ssh destination "h1 touch MARKER" contains whitespace/],
    ['an ssh destination with a newline', 'hosts:\n  h1: {ssh: "h1\\ntouch MARKER"}\nrunners: {a: {cmd: touch MARKER, hosts: [h1]}}\n', /^mar\.yaml:2:13: host "h1": ssh destination "h1\\ntouch MARKER" contains a control character/],
    ['a runner naming a host not declared', 'hosts:\n  h1: {ssh: h1}\nrunners:\n  web: {cmd: touch MARKER, hosts: [h2]}\n', /^mar\.yaml:4:36: runner "web" names host "h2", which is not declared — did you mean "h1"\? \(declared hosts: local, h1\)$/],
  ]

  it.each(cases)('%s: a config error (exit 2, one line), for validate and up alike, and nothing runs', async (_what, yaml, line) => {
    const {home, dir} = t.setup(yaml)
    for (const args of [['validate'], ['up', '--no-wait']]) {
      const result = await home.mar(args, {cwd: dir})
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)])
    }
    expect(home.daemonPid()).toBeNull()
    expect(existsSync(join(dir, 'MARKER'))).toBe(false)
  })
})

describe('placement shown', () => {
  const yaml = (web: string, worker: string) => `name: placed
hosts:
  h1: { ssh: h1.invalid, cpus: 2, memory: 1G, dir: /srv/placed, labels: [edge] }
runners:
  web: { cmd: "sleep 300", ${web}, resources: { cpu: 0.5, memory: 256M } }
  worker: { cmd: "sleep 300", ${worker} }
`

  it('validate shows each instance\'s host and, per host, cpu and memory placed against declared (text and --json)', async () => {
    const {home, dir} = t.setup(yaml('scale: 3, hosts: [local, edge]', 'hosts: [h1], cwd: jobs'))
    const text = await home.mar(['validate'], {cwd: dir})
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('hosts local; h1 ssh h1.invalid dir /srv/placed 2 cpus 1G labels edge\n')
    expect(text.stdout).toMatch(/^ {4}web\.2 {2}host h1 {2}cwd \/srv\/placed$/m)
    expect(text.stdout).toMatch(/^ {4}worker\.1 {2}host h1 {2}cwd \/srv\/placed\/jobs$/m)
    expect(text.stdout).toContain(['placement (resources placed / declared):', '  local  2 instances  cpu 1      memory 512M  (capacity not declared)', '  h1     2 instances  cpu 0.5/2  memory 256M/1G', ''].join('\n'))
    const json = JSON.parse((await home.mar(['validate', '--json'], {cwd: dir})).stdout)
    expect(json.placement).toEqual([
      {host: 'local', instances: ['web.1', 'web.3'], cpuUsed: 1, cpus: null, memoryUsed: 512 * 1024 ** 2, memory: null},
      {host: 'h1', instances: ['web.2', 'worker.1'], cpuUsed: 0.5, cpus: 2, memoryUsed: 256 * 1024 ** 2, memory: 1024 ** 3},
    ])
    expect(json.hosts[1]).toEqual({name: 'h1', ssh: 'h1.invalid', dir: '/srv/placed', cpus: 2, memory: 1024 ** 3, labels: ['edge']})
    expect(json.groups[0].runners[1].instances[0]).toMatchObject({name: 'worker.1', host: 'h1', cwd: '/srv/placed/jobs'})
  })

  it('an unplaceable stack is a config error naming what does not fit where', async () => {
    const {home, dir} = t.setup(yaml('scale: 5, hosts: [edge]', 'hosts: [h1]'))
    const result = await home.mar(['validate'], {cwd: dir})
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('mar.yaml:5:53: cannot place web.5 (scale 5, each needs 0.5 cpu and 256M memory): h1 has 0 of 2 cpu and 0B of 1G memory free — lower scale or resources, or declare more capacity or hosts\n')
  })

  it('reload --dry-run shows the host of each added or changed instance and what moves host', async () => {
    const {home, dir} = t.setup(yaml('scale: 1', 'hosts: [h1]'))
    expect((await home.mar(['up', '--no-wait'], {cwd: dir})).code).toBe(0)
    writeFileSync(join(dir, 'mar.yaml'), yaml('scale: 2, hosts: [local, h1]', 'hosts: [local]'))
    const dry = await home.mar(['reload', '--dry-run'], {cwd: dir})
    expect(dry.code).toBe(0)
    expect(dry.stdout).toBe(['+ web.2  added  on h1', '~ worker.1  changed: cwd, host, env  moves h1 → local', 'dry run: nothing was changed', ''].join('\n'))
    const json = JSON.parse((await home.mar(['reload', '--dry-run', '--json'], {cwd: dir})).stdout)
    expect(json.changes).toEqual([
      {instance: 'web.2', change: 'added', host: 'h1'},
      {instance: 'worker.1', change: 'changed', fields: ['cwd', 'host', 'env'], host: 'local', fromHost: 'h1'},
    ])
  })
})

describe('mar hosts', () => {
  const HEADER = /^NAME +SSH +STATE +LATENCY +VERSION +CPU +MEMORY +LOAD +INSTANCES$/
  const hostFields = ['name', 'ssh', 'state', 'reason', 'latencyMs', 'version', 'cpus', 'cpusDeclared', 'cpuUsed', 'memory', 'memoryDeclared', 'memoryUsed', 'load', 'instances', 'since']

  it('a local-only stack: without a daemon from the config alone, then from the daemon (text and --json), and ping reports the machine', async () => {
    const {home, dir} = t.setup('name: solo\nrunners:\n  web: { cmd: "sleep 300", scale: 2, resources: { cpu: 0.25, memory: 64M } }\n')
    const offline = await home.mar(['hosts'], {cwd: dir})
    expect(offline.code).toBe(0)
    const lines = offline.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(HEADER)
    expect(lines[1]).toMatch(/^local +- +local +- +\d+\.\d+\.\d+\S* +0\.5\/\d+\* +128M\/[\d.]+[MGT]\* +[\d.]+ [\d.]+ [\d.]+ +2$/)
    expect(lines[2]).toBe('  ↳ the daemon is not running')
    expect(lines.at(-1)).toBe('* reported by the host (CPUs, available memory), not declared in the config')

    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const json = JSON.parse((await home.mar(['hosts', '--json'], {cwd: dir})).stdout)
    expect(json.hosts).toHaveLength(1)
    expect(Object.keys(json.hosts[0])).toEqual(hostFields)
    expect(json.hosts[0]).toMatchObject({name: 'local', ssh: null, state: 'local', reason: null, latencyMs: null, cpusDeclared: false, cpuUsed: 0.5, memoryDeclared: false, memoryUsed: 128 * 1024 ** 2, instances: 2})
    expect(json.hosts[0].cpus).toBeGreaterThan(0)
    expect(json.hosts[0].load).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)])
    expect(Date.parse(json.hosts[0].since)).not.toBeNaN()
    const text = (await home.mar(['hosts'], {cwd: dir})).stdout.trimEnd().split('\n')
    expect(text[1]).toMatch(/^local +- +local +- +\S+ +0\.5\/\d+\* +128M\/\S+\* +\S+ \S+ \S+ +2$/)
    expect(text).not.toContain('  ↳ the daemon is not running')

    const client = await connectSocket(marPaths(home.home).socket, 5000)
    try {
      const {machine} = await client.call('ping', {})
      expect(machine).toEqual({cpus: expect.any(Number), memoryTotal: expect.any(Number), memoryAvailable: expect.any(Number), load: [expect.any(Number), expect.any(Number), expect.any(Number)]})
      expect(machine!.memoryTotal).toBeGreaterThanOrEqual(machine!.memoryAvailable)
    } finally {
      client.close()
    }
  })

  it('a declared ssh host: its columns from the config (declared capacity, no *), not up with a reason, with and without a daemon', async () => {
    const yaml = `name: twohost
hosts:
  h1: { ssh: deploy@h1.invalid, cpus: 4, memory: 8G }
runners:
  web: { cmd: "sleep 300", scale: 2, hosts: [local, h1], resources: { cpu: 0.5, memory: 256M } }
`
    const {home, dir} = t.setup(yaml)
    const offline = await home.mar(['hosts'], {cwd: dir})
    expect(offline.code).toBe(0)
    const lines = offline.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(HEADER)
    expect(lines[3]).toMatch(/^h1 +deploy@h1\.invalid +unreachable +- +- +0\.5\/4 +256M\/8G +- +1$/)
    expect(lines[4]).toBe('  ↳ not connected: the daemon is not running')
    const offlineJson = JSON.parse((await home.mar(['hosts', '--json'], {cwd: dir})).stdout)
    expect(offlineJson.hosts[1]).toEqual({name: 'h1', ssh: 'deploy@h1.invalid', state: 'unreachable', reason: 'not connected: the daemon is not running', latencyMs: null, version: null, cpus: 4, cpusDeclared: true, cpuUsed: 0.5, memory: 8 * 1024 ** 3, memoryDeclared: true, memoryUsed: 256 * 1024 ** 2, load: null, instances: 1, since: null})

    await home.mar(['up', '--no-wait'], {cwd: dir})
    // Now the daemon holds the stack: h1 is its to connect (until the hub can, `connecting`; a failed ssh makes it `unreachable`).
    const json = JSON.parse((await home.mar(['hosts', '--json'], {cwd: dir})).stdout)
    expect(json.hosts.map((h: {name: string}) => h.name)).toEqual(['local', 'h1'])
    const h1 = json.hosts[1]
    expect(Object.keys(h1)).toEqual(hostFields)
    expect(h1).toMatchObject({name: 'h1', ssh: 'deploy@h1.invalid', cpus: 4, cpusDeclared: true, cpuUsed: 0.5, memory: 8 * 1024 ** 3, memoryDeclared: true, memoryUsed: 256 * 1024 ** 2, instances: 1})
    expect(['connecting', 'unreachable']).toContain(h1.state)
    expect(h1.reason).toEqual(expect.any(String))
    const text = (await home.mar(['hosts'], {cwd: dir})).stdout.trimEnd().split('\n')
    expect(text[0]).toMatch(HEADER)
    const row = text.findIndex((l) => l.startsWith('h1 '))
    expect(text[row]).toMatch(/^h1 +deploy@h1\.invalid +(connecting|unreachable) +\S+ +\S+ +0\.5\/4 +256M\/8G +\S+ +1$/)
    expect(text[row + 1]).toBe(`  ↳ ${h1.reason}`)
  })
})
