// Hosts in mar.yaml: `dir:` and where a remote instance's cwd is, the
// checks on `ssh:` destinations, and runners naming hosts not declared.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {expandHome, hostDir, joinHostPath, remoteCwd} from '../../../src/remote/remote-path.js'
import {withHome} from '../../../src/config/to-runners.js'
import {checkPlan} from '../../../src/daemon/check-plan.js'
import {instance, loadErrors, loadPlan, where} from './helpers.js'

describe('remote paths', () => {
  it('puts a relative cwd under the host dir, defaulting to the remote home', () => {
    expect(remoteCwd(undefined, undefined)).toBe('~')
    expect(remoteCwd(undefined, 'app')).toBe('~/app')
    expect(remoteCwd('/srv/shop', 'api/../web')).toBe('/srv/shop/web')
    expect(remoteCwd('~/shop', './web/')).toBe('~/shop/web')
    expect(remoteCwd('/srv/shop', '/opt/x')).toBe('/opt/x')
    expect(remoteCwd('/srv/shop', '~/x')).toBe('~/x')
    expect(hostDir('shop')).toBe('~/shop')
    expect(hostDir('~/')).toBe('~')
    expect(joinHostPath('~', '../other')).toBe('~/../other')
  })

  it('resolves ~ against the home of the daemon that runs the instance', () => {
    expect(expandHome('~', '/home/u')).toBe('/home/u')
    expect(expandHome('~/a/b', '/home/u')).toBe('/home/u/a/b')
    expect(expandHome('/abs', '/home/u')).toBe('/abs')
  })
})

describe('hosts: dir', () => {
  const yaml = [
    'hosts:',
    '  h1: {ssh: deploy@h1, dir: /srv/shop}',
    '  h2: {ssh: h2}',
    '  h3: {ssh: h3, dir: shop}',
    'runners:',
    '  a: {cmd: x, hosts: [h1], cwd: api, watch: [src]}',
    '  b: {cmd: x, hosts: [h2]}',
    '  c: {cmd: x, hosts: [h3], cwd: api}',
    '  d: {cmd: x, cwd: api}',
    '',
  ].join('\n')

  it('places a remote instance\'s cwd under the host\'s dir or home, and a local one under the config\'s directory', async () => {
    const {plan, dir} = await loadPlan(yaml)
    expect(plan.hosts.find((h) => h.name === 'h1')).toEqual({name: 'h1', ssh: 'deploy@h1', dir: '/srv/shop', labels: []})
    expect(plan.hosts.find((h) => h.name === 'h3')?.dir).toBe('~/shop')
    expect(instance(plan, 'a.1').cwd).toBe('/srv/shop/api')
    expect(instance(plan, 'a.1').watch?.paths).toEqual(['/srv/shop/api/src'])
    expect(instance(plan, 'b.1').cwd).toBe('~')
    expect(instance(plan, 'c.1').cwd).toBe('~/shop/api')
    expect(instance(plan, 'd.1').cwd).toBe(join(dir, 'api'))
  })

  it('the daemon accepts a plan with ~ paths and resolves them when it runs the instance', async () => {
    const {plan} = await loadPlan(yaml)
    expect(() => checkPlan(plan)).not.toThrow()
    expect(withHome(instance(plan, 'c.1'), '/home/deploy').cwd).toBe('/home/deploy/shop/api')
    const bad = structuredClone(plan)
    bad.groups[0].runners[0].instances[0].cwd = 'relative'
    expect(() => checkPlan(bad)).toThrow(/cwd must be an absolute path, ~ or ~\/…/)
  })

  it('a dir on this machine is relative to the config file', async () => {
    const {plan, dir} = await loadPlan('hosts:\n  local: {dir: srv}\nrunners:\n  a: {cmd: x, cwd: api}\n  b: x\n')
    expect(instance(plan, 'a.1').cwd).toBe(join(dir, 'srv/api'))
    expect(instance(plan, 'b.1').cwd).toBe(join(dir, 'srv'))
  })

  it('refuses another user\'s home and control characters', async () => {
    const issues = await loadErrors('hosts:\n  h1: {ssh: h1, dir: "~root/x"}\n  h2: {ssh: h2, dir: "a\\nb"}\nrunners: {a: x}\n')
    expect(where(issues)).toEqual(['invalid-value@2:22', 'invalid-value@3:22'])
    expect(issues[0].message).toContain('another user\'s home')
  })
})

describe('hosts: ssh destinations', () => {
  it.each([
    ['-oProxyCommand=touch /tmp/x', 'starts with "-"'],
    ['deploy@h1 rm -rf ~', 'contains whitespace'],
    ['h1\\tx', 'contains a control character'],
    ['h1\\u001b[2J', 'contains a control character'],
  ])('refuses %j with a clear error', async (ssh, why) => {
    const issues = await loadErrors(`hosts:\n  h1: {ssh: "${ssh}"}\nrunners: {a: x}\n`)
    expect(where(issues)).toEqual(['invalid-value@2:13'])
    expect(issues[0].message).toContain(`host "h1": ssh destination`)
    expect(issues[0].message).toContain(why)
    expect(issues[0].hint).toBe('write user@host, host or an alias from your ssh config')
  })

  it('accepts user@host, host:port-less aliases and IPv6', async () => {
    const {plan} = await loadPlan('hosts:\n  a: {ssh: deploy@10.0.0.5}\n  b: {ssh: web-2.example}\n  c: {ssh: "u@[::1]"}\nrunners: {x: x}\n')
    expect(plan.hosts.map((h) => h.ssh)).toEqual([undefined, 'deploy@10.0.0.5', 'web-2.example', 'u@[::1]'])
  })
})

describe('hosts: references', () => {
  it('names the undeclared host and the declared ones', async () => {
    const issues = await loadErrors('hosts:\n  h1: {ssh: h1}\nrunners:\n  web: {cmd: x, hosts: [h1, db9]}\n')
    expect(where(issues)).toEqual(['unknown-reference@4:29'])
    expect(issues[0].message).toBe('runner "web" names host "db9", which is not declared')
    expect(issues[0].hint).toBe('declared hosts: local, h1 — declare it under "hosts:"')
  })
})
