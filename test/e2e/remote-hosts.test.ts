// A stack over two real ssh hosts (sshd on 127.0.0.2 and 127.0.0.3, test/helpers/sshd.ts),
// driven by the built `mar` against a hub daemon: up, status, logs, signal,
// restart, down; and the ssh link killed mid-flood, with every line arriving
// once after the reconnect.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {connectSocket} from '../../src/api/transports.js'
import {marPaths} from '../../src/api/home.js'
import type {StatusReply} from '../../src/api/protocol.js'
import {project} from '../helpers/cli.js'
import {withHomeAt, type Home} from '../helpers/daemon.js'
import {childrenOf, cmdlineOf, sshdAvailable, startSshLab, type LabHost, type SshLab} from '../helpers/sshd.js'
import {isAlive, killQuietly, waitFor} from '../helpers/wait.js'
import {mkdirSync} from 'node:fs'
import {deadline} from '../helpers/deadline.js'

async function hostStatus(host: LabHost): Promise<StatusReply> {
  const client = await connectSocket(marPaths(host.marHome).socket, 5000)
  try {
    return await client.call('status', {})
  } finally {
    client.close()
  }
}

describe.skipIf(!sshdAvailable())('a stack over two real ssh hosts', () => {
  let lab: SshLab
  let home: Home | undefined
  const cleanups: Array<() => void> = []

  beforeAll(async () => {
    lab = await startSshLab([{name: 'h1'}, {name: 'h2'}, {name: 'h3', node: 'none'}])
  }, deadline(60_000))
  afterAll(async () => {
    if (process.env.MAR_DEBUG_REMOTE) console.log(require('node:fs').readFileSync(`${lab.hubHome}/daemon.log`, 'utf8'))
    await home?.cleanup()
    for (const cleanup of cleanups) cleanup()
    await lab?.cleanup()
  }, deadline(120_000))

  const hub = (): Home => {
    if (!home) {
      mkdirSync(lab.hubHome, {recursive: true, mode: 0o700})
      home = withHomeAt(lab.hubHome)
    }
    return home
  }
  const stack = (yaml: string): string => {
    const p = project({'mar.yaml': yaml})
    cleanups.push(p.cleanup)
    return p.dir
  }

  it('up, status, logs, signal, restart and down work as for local instances, each on its host', async () => {
    const dir = stack(`name: duo
ssh_config: ${lab.config}
hosts:
  h1: {ssh: h1}
  h2: {ssh: h2}
groups:
  db:
    runners:
      ticker:
        cmd: "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done"
        hosts: [h1]
  app:
    depends_on: {db: started}
    runners:
      web:
        cmd: [node, -e, "process.on('SIGUSR1', () => console.log('got usr1 on', process.env.WHERE)); console.log('shell-only:', process.env.SHELL_ONLY); console.log('web up'); setInterval(() => {}, 1000)"]
        hosts: [h2]
        env: {WHERE: second-host}
`)
    const h = hub()
    // A variable of the shell that ran mar: it reaches local instances, never another machine.
    const up = await h.mar(['up', '--timeout', '60s'], {cwd: dir, timeoutMs: 90_000, env: {SHELL_ONLY: 'leaked'}})
    expect(up.stderr).toBe('')
    expect(up.code).toBe(0)

    const status = await h.status()
    const duo = status.stacks.find((s) => s.name === 'duo')!
    const ticker = duo.instances.find((i) => i.name === 'ticker.1')!
    const web = duo.instances.find((i) => i.name === 'web.1')!
    expect([ticker.host, web.host]).toEqual(['h1', 'h2'])
    expect(ticker.state).toBe('running')
    // The pids are the hosts' own: each host's daemon runs its instance.
    const onH1 = (await hostStatus(lab.host('h1'))).stacks.find((s) => s.name === 'duo')!.instances
    const onH2 = (await hostStatus(lab.host('h2'))).stacks.find((s) => s.name === 'duo')!.instances
    expect(onH1.map((i) => [i.name, i.pid])).toEqual([['ticker.1', ticker.pid]])
    expect(onH2.map((i) => [i.name, i.pid])).toEqual([['web.1', web.pid]])
    // The environment is the stack's, not the hub's shell: MAR_HOME of the hub never reaches the host.
    expect(cmdlineOf(web.pid!)).toContain('-e')

    const text = await h.mar(['status'], {cwd: dir})
    expect(text.stdout).toMatch(/ticker\.1@h1\s+h1\s+running/)
    expect(text.stdout).toMatch(/web\.1@h2\s+h2\s+running/)

    await waitFor('ticker lines in the hub', async () => /ticker\.1@h1 \| tick 3\b/.test((await h.mar(['logs', 'ticker', '-n', '100', '--no-color'], {cwd: dir})).stdout), 20_000, 200)

    // Its handler is in place once it said so (SIGUSR1 would end node before that).
    await waitFor('web up in the hub', async () => /web\.1@h2\s+\| web up/.test((await h.mar(['logs', 'web', '--no-color'], {cwd: dir})).stdout), 20_000, 200)
    expect((await h.mar(['logs', 'web', '--no-color'], {cwd: dir})).stdout).toMatch(/shell-only: undefined/)
    const signalled = await h.mar(['signal', 'SIGUSR1', 'web'], {cwd: dir})
    expect(signalled.code).toBe(0)
    await waitFor('the signal handled on h2', async () => /web\.1@h2\s+\| got usr1 on second-host/.test((await h.mar(['logs', 'web', '--no-color'], {cwd: dir})).stdout), 20_000, 200)

    const restarted = await h.mar(['restart', 'ticker.1@h1'], {cwd: dir, timeoutMs: 60_000})
    expect(restarted.code).toBe(0)
    const after = await waitFor('ticker running again', async () => {
      const t = (await h.status()).stacks.find((s) => s.name === 'duo')!.instances.find((i) => i.name === 'ticker.1')!
      return t.state === 'running' && t.pid !== ticker.pid ? t : null
    }, 20_000, 100)
    expect(isAlive(ticker.pid!)).toBe(false)
    expect(isAlive(after.pid!)).toBe(true)

    const hosts = JSON.parse((await h.mar(['hosts', '--json'], {cwd: dir})).stdout) as {hosts: Array<{name: string; state: string; version: string | null; latencyMs: number | null; instances: number; cpus: number | null}>}
    for (const name of ['h1', 'h2']) {
      expect(hosts.hosts.find((x) => x.name === name)).toMatchObject({state: 'up', version: expect.stringMatching(/^\d+\.\d+\.\d+/), instances: 1, cpus: expect.any(Number), latencyMs: expect.any(Number)})
    }

    // A new hub takes over what runs on the hosts, as a new daemon adopts local services: nothing restarts.
    expect((await h.mar(['daemon', 'stop', '--keep'], {timeoutMs: 60_000})).code).toBe(0)
    expect(isAlive(after.pid!)).toBe(true)
    expect((await h.mar(['daemon', 'start'], {timeoutMs: 60_000})).code).toBe(0)
    const adopted = await waitFor('the remote instances seen again', async () => {
      const s = (await h.status()).stacks.find((x) => x.name === 'duo')
      const t = s?.instances.find((i) => i.name === 'ticker.1')
      const w = s?.instances.find((i) => i.name === 'web.1')
      return t?.state === 'running' && w?.state === 'running' && t.reasonCode === null ? {t, w} : null
    }, 30_000, 100)
    expect([adopted.t.pid, adopted.w.pid]).toEqual([after.pid, web.pid])
    expect(adopted.w.restarts).toBe(0)

    const down = await h.mar(['down'], {cwd: dir, timeoutMs: 60_000})
    expect(down.code).toBe(0)
    await waitFor('both hosts empty', async () => (await hostStatus(lab.host('h1'))).stacks.length === 0 && (await hostStatus(lab.host('h2'))).stacks.length === 0, 20_000, 100)
    expect(isAlive(after.pid!)).toBe(false)
    expect(isAlive(web.pid!)).toBe(false)
  }, deadline(180_000))

  it('the ssh link killed mid-flood: the service runs on, and after the reconnect every line is in the hub once, in order', async () => {
    const total = 30_000
    const dir = stack(`name: flood
ssh_config: ${lab.config}
hosts:
  h1: {ssh: h1}
groups:
  g:
    runners:
      flood:
        cmd: [node, -e, "let i = 0; const t = setInterval(() => { for (let k = 0; k < 100; k++) console.log('n ' + (++i)); if (i >= ${total}) { clearInterval(t); console.log('done') } }, 10); setInterval(() => {}, 60000)"]
        hosts: [h1]
`)
    const h = hub()
    expect((await h.mar(['up', '--timeout', '60s'], {cwd: dir, timeoutMs: 90_000})).code).toBe(0)
    const before = (await h.status()).stacks.find((s) => s.name === 'flood')!.instances[0]!
    const lastNumber = async () => Number(/n (\d+)\s*$/.exec((await h.mar(['logs', 'flood', '-n', '1', '--no-color'], {cwd: dir})).stdout)?.[1] ?? 0)
    await waitFor('some lines in the hub', async () => (await lastNumber()) >= 2000, 30_000, 50)
    // Cut: every ssh process of the hub (its session and the ControlMaster).
    const hubPid = h.daemonPid()!
    const ssh = [...childrenOf(hubPid).filter((pid) => cmdlineOf(pid)[0]?.endsWith('ssh')), ...lab.masters().values()]
    expect(ssh.length).toBeGreaterThan(0)
    for (const pid of ssh) killQuietly(pid)
    await waitFor('the host marked unreachable or reconnected', async () => {
      const flood = (await h.status()).stacks.find((s) => s.name === 'flood')!.instances[0]!
      return flood.reasonCode === 'host-unreachable' || !ssh.some(isAlive)
    }, 20_000, 20)
    // The service never noticed.
    expect(isAlive(before.pid!)).toBe(true)
    await waitFor('done in the hub', async () => /flood\.1@h1 \| done/.test((await h.mar(['logs', 'flood', '-n', '3', '--no-color'], {cwd: dir})).stdout), 60_000, 200)
    const all = await h.mar(['logs', 'flood', '-n', String(total + 100), '--json'], {cwd: dir, timeoutMs: 60_000})
    const lines = all.stdout.trim().split('\n').map((l) => (JSON.parse(l) as {line: string}).line)
    const numbers = lines.filter((l) => l.startsWith('n ')).map((l) => Number(l.slice(2)))
    expect(numbers.length).toBe(total)
    expect(numbers.every((n, i) => n === i + 1)).toBe(true)
    expect(lines.filter((l) => l === 'done')).toHaveLength(1)
    const flood = (await h.status()).stacks.find((s) => s.name === 'flood')!.instances[0]!
    expect(flood).toMatchObject({pid: before.pid, restarts: 0, reasonCode: null})
    expect((await h.mar(['down'], {cwd: dir, timeoutMs: 60_000})).code).toBe(0)
  }, deadline(180_000))

  it('an unknown host key and a host without Node.js: up fails at once, naming each host and what to do, and runs nothing there', async () => {
    const dir = stack(`name: refused
ssh_config: ${lab.config}
hosts:
  stranger: {ssh: h1-unknown}
  bare: {ssh: h3}
groups:
  a:
    runners:
      x: {cmd: [sleep, "1000"], hosts: [stranger]}
  b:
    runners:
      y: {cmd: [sleep, "1000"], hosts: [bare]}
`)
    const h = hub()
    const began = Date.now()
    const up = await h.mar(['up', '--timeout', '60s'], {cwd: dir, timeoutMs: 90_000})
    expect(up.code).toBe(1)
    expect(Date.now() - began).toBeLessThan(30_000)
    expect(up.stdout + up.stderr).toMatch(/x\.1@stranger .*host stranger \(127\.0\.0\.2 port \d+\): its host key is not in known_hosts.*ssh-keyscan/)
    const y = await waitFor('y.1 failed', async () => {
      const found = (await h.status()).stacks.find((s) => s.name === 'refused')!.instances.find((i) => i.name === 'y.1')!
      return found.state === 'failed' ? found : null
    }, 30_000, 100)
    expect(y).toMatchObject({reasonCode: 'host-unreachable', reason: expect.stringMatching(/^host bare: .*Node\.js/)})
    // Nothing reached h3's shell beyond the probe: no agent, no daemon there.
    expect(lab.host('h3').daemonPid()).toBeNull()
    expect((await h.mar(['down'], {cwd: dir, timeoutMs: 60_000})).code).toBe(0)
  }, deadline(120_000))
})
