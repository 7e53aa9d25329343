// The control socket under hostile or careless clients: other users, garbage
// and truncated frames, followers that stop reading, many clients at once.
import {execFileSync, spawnSync} from 'node:child_process'
import {statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {project, withHome, type Home} from '../helpers/daemon.js'
import {rawConnect} from '../helpers/raw-socket.js'
import {waitFor} from '../helpers/wait.js'
import {marBin} from '../helpers/cli.js'
import {marPaths} from '../../src/api/home.js'
import {connectSocket} from '../../src/api/transports.js'

const homes: Home[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const home of homes.splice(0)) await home.cleanup()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

async function upStack(yaml: string) {
  const home = withHome()
  homes.push(home)
  const p = project({'mar.yaml': yaml})
  cleanups.push(p.cleanup)
  const up = await home.mar(['up'], {cwd: p.dir, timeoutMs: 60_000})
  expect(up.code).toBe(0)
  return {home, dir: p.dir, socket: join(home.home, 'daemon.sock')}
}

describe('the control socket', () => {
  it('is reachable only by its user: MAR_HOME 0700, socket 0600, another user refused', async () => {
    const {home, socket} = await upStack('name: perm\nrunners:\n  s: { cmd: "sleep 300" }\n')
    expect(statSync(home.home).mode & 0o777).toBe(0o700)
    expect(statSync(socket).mode & 0o777).toBe(0o600)
    const attempt = `require('net').connect(${JSON.stringify(socket)}).on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(1)})`
    const asNobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', attempt], {encoding: 'utf8'})
    expect(asNobody.stdout.trim()).toBe('EACCES')
  })

  it('answers garbage with an error and closes that connection; the daemon lives on', async () => {
    const {home, socket} = await upStack('name: garbage\nrunners:\n  s: { cmd: "sleep 300" }\n')
    const bad = await rawConnect(socket)
    bad.send('this is not json\n')
    await bad.closed
    expect(bad.frames[0]).toMatchObject({type: 'error', error: {code: 'bad-json'}})

    const noHello = await rawConnect(socket)
    noHello.send(`${JSON.stringify({id: 1, method: 'status', params: {}})}\n`)
    await noHello.closed
    expect(noHello.frames[0]).toMatchObject({type: 'error', error: {code: 'protocol'}})

    const oldClient = await rawConnect(socket)
    oldClient.send(`${JSON.stringify({type: 'hello', protocol: 99})}\n`)
    await oldClient.closed
    expect(oldClient.frames[0]).toMatchObject({type: 'error', error: {code: 'protocol-mismatch'}})

    const weird = await rawConnect(socket)
    weird.hello()
    weird.send('{"id": "x"}\n[1,2,3]\n{"id": 7, "method": "frobnicate"}\n{"id": 8, "method": "up", "params": {"plan": 5}}\n{"id": 9, "method": "status", "params": {}}\n')
    await waitFor('four error replies and a status', () => weird.frames.length >= 6)
    expect(weird.frames.slice(1)).toMatchObject([
      {id: 0, type: 'error', error: {code: 'bad-request', message: 'a request needs a numeric id'}},
      {id: 0, type: 'error', error: {code: 'bad-request', message: 'a request must be a JSON object'}},
      {id: 7, type: 'error', error: {code: 'bad-request', message: 'unknown method "frobnicate"'}},
      {id: 8, type: 'error', error: {code: 'bad-request', message: 'up: plan must be a plan (name, configPath, groups, startOrder)'}},
      {id: 9, type: 'result', data: {stacks: [{name: 'garbage'}]}},
    ])
    weird.socket.destroy()

    const truncated = await rawConnect(socket)
    truncated.hello()
    truncated.send('{"id": 1, "method": "sta')
    truncated.socket.end()
    await truncated.closed

    const status = await home.mar(['status', '--json'])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).stacks[0].name).toBe('garbage')
  })

  it('a logs -f follower that stops reading costs the daemon no unbounded memory and gets every line later', async () => {
    const count = 100_000
    const {home, dir, socket} = await upStack(`name: slow\nrunners:\n  w: { cmd: [node, $FIXTURES/numbered.mjs, "${count}", "2000", go] }\n`)
    const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(execFileSync('cat', [`/proc/${pid}/status`], {encoding: 'utf8'}))![1]) * 1024
    const daemon = home.daemonPid()!
    const follower = await rawConnect(socket)
    follower.hello()
    follower.send(`${JSON.stringify({id: 1, method: 'logs', params: {stack: {name: 'slow'}, targets: [], lines: 0, follow: true}})}\n`)
    await waitFor('hello', () => follower.frames.length >= 1)
    follower.socket.pause()
    const rssBefore = rssOf(daemon)
    writeFileSync(join(dir, 'go'), '')
    await waitFor('the writer to finish', async () => {
      const result = await home.mar(['logs', 'slow/w', '-n', '2', '--json'])
      return result.stdout.includes(`line ${String(count - 1).padStart(8, '0')}`)
    }, 60_000, 200)
    const rssPaused = rssOf(daemon)
    // ~2.5 MB of output went by; the daemon must not have queued it for the paused reader.
    expect(rssPaused - rssBefore).toBeLessThan(20 * 1024 * 1024)
    follower.socket.resume()
    type LogFrame = {type: string; item: {stream: string; line: string}}
    const stdoutLines = () => (follower.frames as LogFrame[]).filter((f) => f.type === 'item' && f.item.stream === 'stdout').map((f) => f.item.line)
    await waitFor('every line to reach the follower', () => stdoutLines().length >= count, 60_000)
    const lines = stdoutLines()
    expect(lines).toHaveLength(count)
    expect(lines[0]).toBe('line 00000000')
    expect(lines.at(-1)).toBe(`line ${String(count - 1).padStart(8, '0')}`)
    follower.socket.destroy()
  })

  it('50 concurrent clients of a 201-instance stack all get the full status within 20 s, one instance still waiting for its ready probe', async () => {
    const yaml = `name: busy\ngroups:\n  many:\n    runners:\n      s: { cmd: "sleep 300", scale: 200 }\n  hung:\n    runners:\n      h: { cmd: "sleep 300", ready: { exec: "sleep 600", timeout: 60s } }\n`
    const home = withHome()
    homes.push(home)
    const p = project({'mar.yaml': yaml})
    cleanups.push(p.cleanup)
    expect((await home.mar(['up', '--no-wait'], {cwd: p.dir})).code).toBe(0)
    await waitFor('200 running', async () => (await home.status()).stacks[0]?.instances.filter((i) => i.state === 'running').length === 201, 30_000, 200)
    // 50 connections at once, each asking for the whole status (the CLI's own status path is tested elsewhere).
    const began = Date.now()
    const results = await Promise.all(
      Array.from({length: 50}, async () => {
        const client = await connectSocket(marPaths(home.home).socket, 20_000)
        try {
          return await client.call('status', {})
        } finally {
          client.close()
        }
      }),
    )
    expect(Date.now() - began).toBeLessThan(20_000)
    expect(results.every((r) => r.stacks[0]!.instances.length === 201)).toBe(true)
    expect(results[0]!.stacks[0]!.instances.find((i) => i.name === 'h.1')!.state).toBe('running')
  })
})

describe('descriptors', () => {
  it('services get stdin, stdout and stderr only, not descriptors mar itself inherited', async () => {
    const home = withHome()
    homes.push(home)
    const p = project({'mar.yaml': 'name: fds\nrunners:\n  s: { cmd: "sleep 300" }\n'})
    cleanups.push(p.cleanup)
    // Run `mar up` with an extra pipe at fd 3, as a CI runner or a careless shell might.
    const {spawn} = await import('node:child_process')
    const child = spawn(process.execPath, [marBin, 'up'], {cwd: p.dir, env: {...process.env, ...home.env}, stdio: ['ignore', 'pipe', 'pipe', 'pipe']})
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(0)
    const pid = (await home.status()).stacks[0]!.instances[0]!.pid!
    const {readdirSync} = await import('node:fs')
    expect(readdirSync(`/proc/${pid}/fd`).sort()).toEqual(['0', '1', '2'])
  })
})

describe('mar daemon run under systemd', () => {
  it('sends READY=1 once it listens and stops every stack on SIGTERM', async () => {
    const home = withHome()
    homes.push(home)
    const {createRequire} = await import('node:module')
    const unix = createRequire(import.meta.url)('unix-dgram') as {createSocket(t: string): {on(e: string, f: (b: Buffer) => void): void; bind(p: string): void; close(): void}}
    const notifyPath = join(home.home, 'notify.sock')
    const received: string[] = []
    const listener = unix.createSocket('unix_dgram')
    listener.on('message', (b) => received.push(b.toString()))
    listener.on('error', () => {})
    listener.bind(notifyPath)
    const {spawn} = await import('node:child_process')
    const daemon = spawn(process.execPath, [marBin, 'daemon', 'run'], {env: {...process.env, ...home.env, NOTIFY_SOCKET: notifyPath}, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    daemon.stderr!.on('data', (c) => (stderr += c))
    try {
      await waitFor('READY=1', () => received.includes('READY=1'))
      const p = project({'mar.yaml': 'name: sd\nrunners:\n  s: { cmd: "trap \'echo graceful > stopped.txt; exit 0\' TERM; while true; do sleep 0.05; done" }\n'})
      cleanups.push(p.cleanup)
      expect((await home.mar(['up'], {cwd: p.dir})).code).toBe(0)
      daemon.kill('SIGTERM')
      const code = await new Promise<number | null>((resolve) => daemon.once('exit', resolve))
      expect(code).toBe(0)
      const stopping = received.find((m) => m.split('\n').includes('STOPPING=1'))
      expect(stopping).toMatch(/EXTEND_TIMEOUT_USEC=\d+/)
      const {readFileSync} = await import('node:fs')
      expect(readFileSync(join(p.dir, 'stopped.txt'), 'utf8')).toBe('graceful\n')
      expect(stderr).toMatch(/stopping \(SIGTERM\)/)
    } finally {
      if (daemon.exitCode === null) daemon.kill('SIGKILL')
      listener.close()
    }
  })
})
