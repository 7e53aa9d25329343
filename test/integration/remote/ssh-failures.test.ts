// What mar says when a host cannot get its agent, against real sshd: each
// failure one clear line with the right code, and nothing run on the host.
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ensureAgent, localAgent} from '../../../src/remote/agent-install.js'
import {connectHost} from '../../../src/remote/connect-host.js'
import {sshCommand} from '../../../src/remote/ssh.js'
import {MarError} from '../../../src/util/errors.js'
import {sshdAvailable, startSshLab, type SshLab} from '../../helpers/sshd.js'
import {deadline} from '../../helpers/deadline.js'

async function failure(promise: Promise<unknown>): Promise<MarError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  if (!(error instanceof MarError)) throw new Error(`expected a MarError, got ${String(error)}`)
  return error
}

describe.skipIf(!sshdAvailable())('ssh failures reaching a host', () => {
  let lab: SshLab
  const options = () => ({home: lab.hubHome, sshConfig: lab.config})

  beforeAll(async () => {
    lab = await startSshLab([{name: 'h1'}, {name: 'nonode', node: 'none'}, {name: 'old', node: 'fake-18'}])
  }, deadline(60_000))
  afterAll(async () => {
    await lab?.cleanup()
  }, deadline(60_000))

  it('refuses a host whose key is not in known_hosts, says how to trust it, and runs nothing there', async () => {
    const h1 = lab.host('h1')
    const error = await failure(connectHost({name: 'h1', ssh: 'h1-unknown'}, options()))
    expect(error.code).toBe('host-key-unknown')
    expect(error.exitCode).toBe(3)
    expect(error.toLine()).toBe(
      `host h1 (${h1.address} port ${h1.port}): its host key is not in known_hosts — check it and trust it with: ssh-keyscan -p ${h1.port} ${h1.address} >> ${join(lab.dir, 'known_hosts_empty')}`,
    )
    expect(existsSync(h1.marHome)).toBe(false)
  })

  it('refuses a host whose key changed, and says it may be an attack', async () => {
    const h1 = lab.host('h1')
    const error = await failure(connectHost({name: 'h1', ssh: 'h1-changed'}, options()))
    expect(error.code).toBe('host-key-changed')
    expect(error.message).toMatch(/^host h1 \(127\.0\.0\.2 port \d+\): its host key has CHANGED .*this may be an attack/)
    expect(error.hint).toContain(`ssh-keygen -f ${join(lab.dir, 'known_hosts_changed')} -R '[${h1.address}]:${h1.port}'`)
    expect(existsSync(h1.marHome)).toBe(false)
  })

  it('says when authentication fails', async () => {
    const error = await failure(connectHost({name: 'h1', ssh: 'h1-nokey'}, options()))
    expect(error.code).toBe('host-auth-failed')
    expect(error.toLine()).toMatch(/^host h1 \(127\.0\.0\.2 port \d+\): authentication failed for root \(publickey\) — mar runs ssh in batch mode/)
    expect(existsSync(lab.host('h1').marHome)).toBe(false)
  })

  it('says when nothing listens there', async () => {
    const error = await failure(connectHost({name: 'gone', ssh: 'ssh://root@127.0.0.2:1'}, {...options(), sshConfig: undefined}))
    expect(error.code).toBe('host-unreachable')
    expect(error.message).toBe('host gone (127.0.0.2 port 1): connection refused (is sshd running there, on that port?)')
  })

  it('reports a host without node, with its PATH', async () => {
    const host = lab.host('nonode')
    const error = await failure(connectHost({name: 'nonode', ssh: 'nonode'}, options()))
    expect(error.code).toBe('host-no-node')
    expect(error.toLine()).toBe(`nonode: no Node.js on the host (PATH ${join(lab.dir, 'nonode', 'empty-bin')}); mar's agent needs Node.js >= 20 — install it there (on the PATH of a non-interactive ssh session)`)
    expect(existsSync(host.marHome)).toBe(false)
  })

  it('reports a host with node 18, naming the version found', async () => {
    const error = await failure(ensureAgent({name: 'old', ssh: 'old'}, options()))
    expect(error.code).toBe('host-node-too-old')
    expect(error.message).toBe("old: found Node.js v18.19.0 on the host; mar's agent needs Node.js >= 20")
    expect(existsSync(lab.host('old').marHome)).toBe(false)
  })

  it('refuses a destination that ssh would read as an option, before ssh runs', async () => {
    const marker = join(lab.dir, 'proxy-command-ran')
    const evil = {name: 'evil', ssh: `-oProxyCommand=touch ${marker}`}
    const error = await failure(connectHost(evil, options()))
    expect(error.code).toBe('bad-ssh-destination')
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe(`host evil: ssh destination ${JSON.stringify(evil.ssh)} refused: it starts with "-" (ssh would read it as an option)`)
    expect(() => sshCommand({name: 'evil', ssh: '-oProxyCommand=x'}, options(), 'true')).toThrow(/starts with "-"/)
    expect(() => sshCommand({name: 'evil', ssh: 'h1\nProxyCommand x'}, options(), 'true')).toThrow(/whitespace/)
    expect(() => sshCommand({name: 'evil', ssh: 'h1\u0007'}, options(), 'true')).toThrow(/control character/)
    expect(existsSync(marker)).toBe(false)
  })

  it('fails an upload to a full disk clearly and leaves no partial bundle in place', async () => {
    const h1 = lab.host('h1')
    lab.mountTmpfs(h1, '64k')
    const error = await failure(ensureAgent({name: 'h1', ssh: 'h1'}, options()))
    expect(error.code).toBe('agent-install-failed')
    expect(error.toLine()).toBe(
      `h1: cannot install mar's agent in \${MAR_HOME:-$HOME/.mar}/agent/${localAgent().version}: no space left on the device — nothing was left half-written; free some space there (or fix the cause) and try again`,
    )
    expect(readdirSync(join(h1.marHome, 'agent', localAgent().version))).toEqual([])
  })
})
