import {describe, expect, it} from 'vitest'
import {allowedHosts, placeInstances, type PlacementHost} from '../../../src/remote/placement.js'

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
