// mar's agent on real sshd hosts (test/helpers/sshd.ts): uploaded once,
// reached through one ControlMaster, its daemon detached from the link.
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ensureAgent, localAgent} from '../../../src/remote/agent-install.js'
import {connectHost} from '../../../src/remote/connect-host.js'
import {controlPath} from '../../../src/remote/ssh.js'
import {marVersion} from '../../../src/util/version.js'
import {childrenOf, cmdlineOf, sshdAvailable, startSshLab, type SshLab} from '../../helpers/sshd.js'
import {isAlive, waitFor} from '../../helpers/wait.js'
import {deadline} from '../../helpers/deadline.js'

describe.skipIf(!sshdAvailable())('the agent on a real sshd host', () => {
  let lab: SshLab
  const options = () => ({home: lab.hubHome, sshConfig: lab.config})
  const h1 = () => ({name: 'h1', ssh: 'h1'})

  beforeAll(async () => {
    lab = await startSshLab([{name: 'h1'}])
  }, deadline(60_000))
  afterAll(async () => {
    await lab?.cleanup()
  }, deadline(60_000))

  it('is uploaded to a host that has none, and not again while its hash matches', async () => {
    const agent = localAgent()
    const installed = join(lab.host('h1').marHome, 'agent', agent.version, 'mar.cjs')
    expect(existsSync(installed)).toBe(false)
    let began = performance.now()
    const first = await ensureAgent(h1(), options())
    const uploadMs = performance.now() - began
    expect(first).toEqual({version: marVersion(), node: process.version, installed: true})
    expect(createHash('sha256').update(readFileSync(installed)).digest('hex')).toBe(agent.hash)
    expect(statSync(installed).mode & 0o777).toBe(0o600)
    expect(statSync(join(lab.host('h1').marHome, 'agent', agent.version)).mode & 0o777).toBe(0o700)
    expect(readdirSync(join(lab.host('h1').marHome, 'agent', agent.version))).toEqual(['mar.cjs'])
    began = performance.now()
    const second = await ensureAgent(h1(), options())
    const probeMs = performance.now() - began
    expect(second.installed).toBe(false)
    console.log(`agent: first ensureAgent (ssh handshake + probe + upload of ${statSync(agent.path).size} bytes) ${uploadMs.toFixed(0)} ms; second (probe over the ControlMaster) ${probeMs.toFixed(0)} ms`)
  })

  it("gives a DaemonClient whose ping answers with the host's daemon: its pid, its version, its MAR_HOME", async () => {
    const client = await connectHost(h1(), options())
    try {
      const info = await client.call('ping', {})
      const host = lab.host('h1')
      expect(info.pid).toBe(host.daemonPid())
      expect(info.version).toBe(marVersion())
      expect(info.home).toBe(host.marHome)
      const cmdline = cmdlineOf(info.pid)
      expect(cmdline).toContain(join(host.marHome, 'agent', marVersion(), 'mar.cjs'))
      expect(cmdline.slice(-3)).toEqual(['daemon', 'run', '--background'])
    } finally {
      client.close()
    }
  })

  it('goes through one ControlMaster under MAR_HOME/ssh, reused by every connection', async () => {
    const socket = controlPath(h1(), options())
    expect(socket.startsWith(join(lab.hubHome, 'ssh') + '/')).toBe(true)
    const before = lab.masters()
    expect([...before.keys()]).toEqual([socket])
    expect(lab.ssh(['-S', socket, '-O', 'check', 'h1']).stderr).toMatch(/Master running/)
    const began = performance.now()
    const client = await connectHost(h1(), options())
    const muxMs = performance.now() - began
    await client.call('ping', {})
    client.close()
    expect(lab.masters()).toEqual(before)
    // The same connection without the master: a fresh TCP connection, key exchange and login.
    const plainBegan = performance.now()
    const plain = lab.ssh(['-o', 'ControlPath=none', '-T', 'h1', 'true'])
    const plainMs = performance.now() - plainBegan
    expect(plain.code).toBe(0)
    const muxBegan = performance.now()
    expect(lab.ssh(['-o', `ControlPath=${socket}`, '-T', 'h1', 'true']).code).toBe(0)
    const muxTrueMs = performance.now() - muxBegan
    console.log(
      `connectHost over the ControlMaster (probe + dial-stdio + hello) ${muxMs.toFixed(0)} ms; ssh h1 true: ${plainMs.toFixed(0)} ms without the master, ${muxTrueMs.toFixed(0)} ms through it`,
    )
  })

  it('leaves the host daemon running when the ssh client is killed, and the next connectHost reaches the same daemon', async () => {
    const client = await connectHost(h1(), options())
    const {pid} = await client.call('ping', {})
    const closed = new Promise((resolve) => client.onClose(resolve))
    const ssh = childrenOf(process.pid).filter((child) => {
      const cmdline = cmdlineOf(child)
      return cmdline[0] === 'ssh' && cmdline.at(-2) === 'h1' && cmdline.at(-1)!.endsWith('daemon dial-stdio')
    })
    expect(ssh).toHaveLength(1)
    process.kill(ssh[0]!, 'SIGKILL')
    await closed
    expect(isAlive(pid)).toBe(true)
    const again = await connectHost(h1(), options())
    try {
      expect((await again.call('ping', {})).pid).toBe(pid)
    } finally {
      again.close()
    }
    // And no dial-stdio is left on the host side of the killed session.
    await waitFor('the killed session to end on the host', () => !lab.hosts.some((host) => childrenOf(host.sshdPid).length > 1), 10_000)
  })
})
