import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {StackPlan} from '../../../src/config/types.js'
import {allowedHosts, checkReportedCapacity, placedUsage, placeInstances, type PlacementHost, type PlacementRequest} from '../../../src/remote/placement.js'

const G = 1024 ** 3
const hosts: PlacementHost[] = [
  {name: 'local', labels: []},
  {name: 'a', cpus: 2, memory: 4 * G, labels: ['web']},
  {name: 'b', cpus: 1, labels: ['web', 'db']},
]

describe('placement', () => {
  it('resolves names and labels in declaration order, without duplicates', () => {
    expect(allowedHosts(['db', 'web', 'a'], hosts).map((h) => h.name)).toEqual(['a', 'b'])
  })

  it('spreads instances round-robin', () => {
    const {placements, failures} = placeInstances([{runner: 'web', scale: 5, hosts: ['web']}], hosts)
    expect(failures).toEqual([])
    expect(placements.web).toEqual(['a', 'b', 'a', 'b', 'a'])
  })

  it('skips a full host and never overcommits cpus or memory', () => {
    const {placements, failures} = placeInstances([{runner: 'web', scale: 6, hosts: ['web'], resources: {cpu: 0.5}}], hosts)
    expect(failures).toEqual([])
    expect(placements.web).toEqual(['a', 'b', 'a', 'b', 'a', 'a'])
  })

  it('counts earlier runners against capacity', () => {
    const {placements, failures} = placeInstances(
      [
        {runner: 'db', scale: 1, hosts: ['a'], resources: {memory: 3 * G}},
        {runner: 'web', scale: 2, hosts: ['a'], resources: {memory: 1 * G}},
      ],
      hosts,
    )
    expect(placements.db).toEqual(['a'])
    expect(placements.web).toEqual(['a'])
    expect(failures).toEqual([expect.objectContaining({runner: 'web', instance: 2})])
    expect(failures[0].message).toContain('web.2')
  })

  it('a host without declared capacity takes anything; an empty choice fails', () => {
    expect(placeInstances([{runner: 'x', scale: 3, hosts: ['local'], resources: {cpu: 64}}], hosts).placements.x).toEqual(['local', 'local', 'local'])
    expect(placeInstances([{runner: 'x', scale: 1, hosts: ['nowhere']}], hosts).failures).toHaveLength(1)
  })

  it('places nothing for scale 0', () => {
    expect(placeInstances([{runner: 'x', scale: 0, hosts: ['a']}], hosts)).toEqual({placements: {x: []}, failures: []})
  })
})

describe('placement: failures in words', () => {
  it('names the instance, what it needs and what is free on each allowed host', () => {
    const {failures} = placeInstances([{runner: 'web', scale: 4, hosts: ['web'], resources: {cpu: 1, memory: G}}], hosts)
    expect(failures).toEqual([
      {runner: 'web', instance: 4, message: 'cannot place web.4 (scale 4, each needs 1 cpu and 1G memory): a has 0 of 2 cpu and 2G of 4G memory free; b has 0 of 1 cpu free'},
    ])
  })
})

describe('placedUsage', () => {
  it('sums the resources placed on each host, every host listed', () => {
    const plan = {
      hosts: [{name: 'local', labels: []}, {name: 'a', labels: []}, {name: 'b', labels: []}],
      groups: [{runners: [{instances: [inst('web', 1, 'a', {cpu: 0.5, memory: G}), inst('web', 2, 'local', {cpu: 0.5}), inst('db', 1, 'a', {memory: 2 * G}), inst('x', 1, 'a')]}]}],
    } as unknown as StackPlan
    expect(placedUsage(plan)).toEqual([
      {host: 'local', cpu: 0.5, memory: 0, instances: ['web.2']},
      {host: 'a', cpu: 0.5, memory: 3 * G, instances: ['web.1', 'db.1', 'x.1']},
      {host: 'b', cpu: 0, memory: 0, instances: []},
    ])
  })
})

describe('checkReportedCapacity', () => {
  const plan = {
    hosts: [{name: 'local', labels: []}, {name: 'a', labels: [], cpus: 8}, {name: 'b', labels: []}],
    groups: [{runners: [{instances: [inst('web', 1, 'a', {cpu: 2, memory: G}), inst('web', 2, 'b', {cpu: 2, memory: G}), inst('web', 3, 'a', {cpu: 2, memory: G}), inst('web', 4, 'b', {cpu: 2, memory: G})]}]}],
  } as unknown as StackPlan

  it('holds a host without declared capacity to what its agent reports: the first instance past it', () => {
    expect(checkReportedCapacity(plan, {b: {cpus: 2, memory: 16 * G}})).toEqual([
      {runner: 'web', instance: 4, host: 'b', message: 'cannot place web.4 on b (needs 2 cpu and 1G memory): b has 0 of the 2 cpus it reports left'},
    ])
    expect(checkReportedCapacity(plan, {b: {cpus: 16, memory: 1.5 * G}})[0].message).toBe('cannot place web.4 on b (needs 2 cpu and 1G memory): b has 512M of the 1.5G memory it reports available left')
  })

  it('a declared value wins over a reported one; a host that reports nothing is not checked', () => {
    // a declares 8 cpus: its reported 1 cpu does not count, its undeclared memory does.
    expect(checkReportedCapacity(plan, {a: {cpus: 1, memory: 64 * G}})).toEqual([])
    expect(checkReportedCapacity(plan, {a: {cpus: 1, memory: G}}).map((f) => `${f.runner}.${f.instance}@${f.host}`)).toEqual(['web.3@a'])
    expect(checkReportedCapacity(plan, {})).toEqual([])
    expect(checkReportedCapacity(plan, {b: {cpus: 4, memory: 2 * G}})).toEqual([])
  })
})

function inst(runner: string, index: number, host: string, resources?: {cpu?: number; memory?: number}) {
  return {name: `${runner}.${index}`, runner, index, host, ...(resources ? {resources} : {})}
}

describe('placement: properties (fast-check)', () => {
  const LABELS = ['web', 'db', 'gpu']
  const hostArb = (i: number) =>
    fc.record(
      {
        cpus: fc.option(fc.integer({min: 1, max: 32}).map((n) => n / 4), {nil: undefined}),
        memory: fc.option(fc.integer({min: 1, max: 16}).map((n) => n * 256 * 1024 ** 2), {nil: undefined}),
        labels: fc.subarray(LABELS),
      },
      {requiredKeys: ['labels']},
    ).map((h): PlacementHost => ({name: `h${i}`, labels: h.labels, ...(h.cpus === undefined ? {} : {cpus: h.cpus}), ...(h.memory === undefined ? {} : {memory: h.memory})}))
  const hostsArb = fc.integer({min: 1, max: 4}).chain((n) => fc.tuple(...Array.from({length: n}, (_, i) => hostArb(i))))
  const requestsArb = fc
    .array(
      fc.record({
        scale: fc.integer({min: 0, max: 8}),
        cpu: fc.option(fc.integer({min: 1, max: 16}).map((n) => n / 4), {nil: undefined}),
        memory: fc.option(fc.integer({min: 1, max: 8}).map((n) => n * 128 * 1024 ** 2), {nil: undefined}),
        hosts: fc.subarray(['h0', 'h1', 'h2', 'h3', 'h9', ...LABELS], {minLength: 1}),
      }),
      {maxLength: 6},
    )
    .map((rs) =>
      rs.map((r, i): PlacementRequest => {
        const resources = {...(r.cpu === undefined ? {} : {cpu: r.cpu}), ...(r.memory === undefined ? {} : {memory: r.memory})}
        return {runner: `r${i}`, scale: r.scale, hosts: r.hosts, ...(Object.keys(resources).length ? {resources} : {})}
      }),
    )

  it('never overcommits a host, only uses allowed hosts, is deterministic, and every failure is real and names what does not fit where', () => {
    fc.assert(
      fc.property(hostsArb, requestsArb, (hostList, requests) => {
        const result = placeInstances(requests, hostList)
        // Deterministic: the same input (and a copy of it) gives the same answer.
        expect(placeInstances(structuredClone(requests), structuredClone(hostList))).toEqual(result)

        const used = new Map(hostList.map((h) => [h.name, {cpu: 0, memory: 0}]))
        for (const request of requests) {
          const allowed = allowedHosts(request.hosts, hostList)
          const placed = result.placements[request.runner]
          const failure = result.failures.find((f) => f.runner === request.runner)
          for (const name of placed) {
            expect(allowed.map((h) => h.name)).toContain(name)
            const u = used.get(name)!
            u.cpu += request.resources?.cpu ?? 0
            u.memory += request.resources?.memory ?? 0
          }
          if (!failure) {
            expect(placed).toHaveLength(request.scale)
            continue
          }
          // Placed up to the failing instance, which fits no allowed host given what is used.
          expect(placed).toHaveLength(failure.instance - 1)
          expect(failure.message).toContain(`cannot place ${request.runner}.${failure.instance}`)
          if (allowed.length === 0) expect(failure.message).toContain(`no host matches ${request.hosts.join(', ')}`)
          for (const host of allowed) {
            expect(failure.message).toContain(`${host.name} has`)
            const u = used.get(host.name)!
            const cpuShort = host.cpus !== undefined && u.cpu + (request.resources?.cpu ?? 0) > host.cpus + 1e-9
            const memoryShort = host.memory !== undefined && u.memory + (request.resources?.memory ?? 0) > host.memory
            expect(cpuShort || memoryShort).toBe(true)
          }
        }
        for (const host of hostList) {
          const u = used.get(host.name)!
          if (host.cpus !== undefined) expect(u.cpu).toBeLessThanOrEqual(host.cpus + 1e-9)
          if (host.memory !== undefined) expect(u.memory).toBeLessThanOrEqual(host.memory)
        }
        // The same holds for what the agents of undeclared hosts report: checked, a plan that passes fits.
        const reported = Object.fromEntries(hostList.map((h, i) => [h.name, {cpus: i + 1, memory: (i + 1) * 512 * 1024 ** 2}]))
        const plan = {hosts: hostList, groups: [{runners: requests.map((r) => ({instances: result.placements[r.runner].map((host, k) => inst(r.runner, k + 1, host, r.resources))}))}]} as unknown as StackPlan
        const overflows = checkReportedCapacity(plan, reported)
        for (const usage of placedUsage(plan)) {
          const host = hostList.find((h) => h.name === usage.host)!
          const over = (host.cpus === undefined && usage.cpu > reported[host.name].cpus + 1e-9) || (host.memory === undefined && usage.memory > reported[host.name].memory)
          expect(overflows.some((f) => f.host === host.name)).toBe(over)
        }
        for (const f of overflows) expect(f.message).toMatch(new RegExp(`^cannot place ${f.runner}\\.${f.instance} on ${f.host} `))
      }),
      {numRuns: 400, seed: 13},
    )
  })
})
