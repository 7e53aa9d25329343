// A host's share of a stack: only its instances, without the hub's
// dependencies and strategies, and nothing of the machine mar ran on.
import {describe, expect, it} from 'vitest'
import {allInstances, type StackPlan} from '../../../src/config/types.js'
import {shareOf} from '../../../src/remote/share.js'
import {withHome} from '../../../src/config/to-runners.js'
import {checkPlan} from '../../../src/daemon/check-plan.js'
import {fakePlan} from '../../helpers/fake-daemon.js'
import {homedir} from 'node:os'

function plan(): StackPlan {
  const p = fakePlan('shop', {
    db: {runners: {pg: {hosts: ['h1']}}},
    web: {restart: 'one-for-all', dependsOn: {db: 'ready'}, runners: {api: {hosts: ['h1', 'h2'], scale: 3}, local: {}}},
  })
  p.dir = '/home/me/shop'
  for (const i of allInstances(p)) {
    // As the config part plans them (remote-path.ts): a remote cwd is the host's, under its dir.
    i.cwd = i.host === 'h2' ? '/srv/shop/api' : i.host === 'h1' ? (i.runner === 'api' ? '~/api' : '~') : '/home/me/shop'
    i.env = {PATH: '/home/me/bin', SECRET_OF_MY_SHELL: 'x', DATABASE_URL: 'postgres://db', PORT: '3000'}
    i.envKeys = ['DATABASE_URL', 'PORT']
  }
  p.hosts.find((h) => h.name === 'h2')!.dir = '/srv/shop'
  return p
}

describe('shareOf', () => {
  it('holds only the host\'s instances, as one-for-one groups without dependencies', () => {
    const share = shareOf(plan(), plan().hosts.find((h) => h.name === 'h1')!)!
    expect(allInstances(share).map((i) => i.name)).toEqual(['pg.1', 'api.1', 'api.3'])
    expect(share.groups.map((g) => [g.name, g.restart.strategy, g.dependsOn])).toEqual([
      ['db', 'one-for-one', []],
      ['web', 'one-for-one', []],
    ])
    expect(allInstances(share).every((i) => i.host === 'local')).toBe(true)
    expect(share.baseEnv).toBe('daemon')
  })

  it('ships only the environment the stack declares, never the shell\'s', () => {
    const share = shareOf(plan(), plan().hosts.find((h) => h.name === 'h1')!)!
    for (const i of allInstances(share)) expect(i.env).toEqual({DATABASE_URL: 'postgres://db', PORT: '3000'})
  })

  it('keeps the host\'s working directories, which the host resolves under its own home', () => {
    const h1 = shareOf(plan(), plan().hosts.find((h) => h.name === 'h1')!)!
    const h2 = shareOf(plan(), plan().hosts.find((h) => h.name === 'h2')!)!
    expect(allInstances(h1).map((i) => i.cwd)).toEqual(['~', '~/api', '~/api'])
    expect(allInstances(h2).map((i) => i.cwd)).toEqual(['/srv/shop/api'])
    // The host's daemon accepts it and makes it its own.
    const there = checkPlan(JSON.parse(JSON.stringify(h1)))
    expect(allInstances(there).map((i) => withHome(i, homedir()).cwd)).toEqual([homedir(), `${homedir()}/api`, `${homedir()}/api`])
  })

  it('is null for a host with nothing placed on it', () => {
    const p = plan()
    p.hosts.push({name: 'h3', ssh: 'h3', labels: []})
    expect(shareOf(p, p.hosts.at(-1)!)).toBeNull()
  })

  it('a relative cwd is refused by the daemon', () => {
    const p = plan()
    allInstances(p)[0]!.cwd = 'x'
    expect(() => checkPlan(JSON.parse(JSON.stringify(p)))).toThrow(/cwd must be an absolute path/)
  })
})
