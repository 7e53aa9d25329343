import {describe, expect, it} from 'vitest'
import type {MachineInfo} from '../../../src/api/protocol.js'
import type {HostPlan, InstancePlan, StackPlan} from '../../../src/config/types.js'
import {hostInfos, readMachine, readMeminfo} from '../../../src/daemon/host-info.js'
import {marVersion} from '../../../src/util/version.js'

const G = 1024 ** 3
const machine: MachineInfo = {cpus: 8, memoryTotal: 32 * G, memoryAvailable: 20 * G, load: [0.5, 0.25, 0.125]}

function stack(name: string, hosts: HostPlan[], placed: Array<[instance: string, host: string, resources?: InstancePlan['resources']]>): StackPlan {
  const instances = placed.map(([n, host, resources]) => ({name: n, host, ...(resources ? {resources} : {})}) as InstancePlan)
  return {name, hosts: [{name: 'local', labels: []}, ...hosts], groups: [{runners: [{instances}]}]} as unknown as StackPlan
}

describe('readMeminfo', () => {
  it('reads MemTotal and MemAvailable in bytes; free + cached on kernels without MemAvailable', () => {
    expect(readMeminfo('MemTotal:       16384 kB\nMemFree:  1024 kB\nMemAvailable:    8192 kB\n')).toEqual({total: 16384 * 1024, available: 8192 * 1024})
    expect(readMeminfo('MemTotal: 4096 kB\nMemFree: 1024 kB\nCached: 512 kB\n')).toEqual({total: 4096 * 1024, available: 1536 * 1024})
    expect(readMeminfo('nothing here')).toBeNull()
  })

  it('readMachine reports this machine', () => {
    const m = readMachine()
    expect(m.cpus).toBeGreaterThan(0)
    expect(m.memoryTotal).toBeGreaterThanOrEqual(m.memoryAvailable)
    expect(m.load).toHaveLength(3)
  })
})

describe('hostInfos', () => {
  it('local alone, with this machine\'s capacity marked as reported', () => {
    expect(hostInfos([], {local: machine, since: '2024-01-01T00:00:00.000Z'})).toEqual([
      {name: 'local', ssh: null, state: 'local', reason: null, latencyMs: null, version: marVersion(), cpus: 8, cpusDeclared: false, cpuUsed: 0, memory: 20 * G, memoryDeclared: false, memoryUsed: 0, load: [0.5, 0.25, 0.125], instances: 0, since: '2024-01-01T00:00:00.000Z'},
    ])
  })

  it('sums what every stack places on each host; a declared capacity wins; an ssh host is connecting until the hub says more', () => {
    const a = stack('a', [{name: 'h1', ssh: 'deploy@h1', cpus: 4, labels: []}], [['web.1', 'local', {cpu: 0.5, memory: G}], ['web.2', 'h1', {cpu: 0.5}], ['db.1', 'h1']])
    const b = stack('b', [{name: 'h1', ssh: 'other', labels: []}, {name: 'h2', ssh: 'h2', memory: 2 * G, labels: []}], [['x.1', 'h1', {cpu: 1.25, memory: G}]])
    const hosts = hostInfos([a, b], {local: machine})
    expect(hosts.map((h) => h.name)).toEqual(['local', 'h1', 'h2'])
    expect(hosts[0]).toMatchObject({cpuUsed: 0.5, memoryUsed: G, instances: 1})
    expect(hosts[1]).toEqual({name: 'h1', ssh: 'deploy@h1', state: 'connecting', reason: 'not connected yet', latencyMs: null, version: null, cpus: 4, cpusDeclared: true, cpuUsed: 1.75, memory: null, memoryDeclared: false, memoryUsed: G, load: null, instances: 3, since: null})
    expect(hosts[2]).toMatchObject({state: 'connecting', cpus: null, memory: 2 * G, memoryDeclared: true, instances: 0})
  })

  it('takes state, latency, version and reported capacity from the hub\'s view of a link', () => {
    const a = stack('a', [{name: 'h1', ssh: 'h1', cpus: 2, labels: []}], [['web.1', 'h1', {cpu: 1}]])
    const [, h1] = hostInfos([a], {local: machine, remote: (host) => (host.name === 'h1' ? {state: 'up', reason: null, latencyMs: 3.5, version: '9.9.9', machine: {...machine, cpus: 64}, since: '2024-01-02T00:00:00.000Z'} : undefined)})
    expect(h1).toMatchObject({state: 'up', latencyMs: 3.5, version: '9.9.9', cpus: 2, cpusDeclared: true, memory: 20 * G, memoryDeclared: false, load: [0.5, 0.25, 0.125], since: '2024-01-02T00:00:00.000Z'})
  })

  it('a stack that declares local\'s capacity is taken over the implicit one', () => {
    const a = stack('a', [], [])
    const b = {...stack('b', [], []), hosts: [{name: 'local', cpus: 2, labels: []}]} as StackPlan
    expect(hostInfos([a, b], {local: machine})[0]).toMatchObject({cpus: 2, cpusDeclared: true, memory: 20 * G, memoryDeclared: false})
  })
})
