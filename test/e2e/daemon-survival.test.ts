// What must survive the daemon's death: services, their output, their
// restart policies; and what a restarted machine must get back.
import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {instance, waitForState, type Home} from '../helpers/daemon.js'
import {stackTests} from '../helpers/stack-tests.js'
import {isAlive, waitFor} from '../helpers/wait.js'
import type {LogLineJson} from '../../src/api/json.js'
import {deadline} from '../helpers/deadline.js'

const t = stackTests()
const setup = (yaml: string) => t.setup(yaml)

async function logLines(home: Home, dir: string, args: string[]): Promise<LogLineJson[]> {
  const result = await home.mar(['logs', '--json', ...args], {cwd: dir, timeoutMs: 60_000})
  expect(result.code).toBe(0)
  return result.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLineJson)
}

describe('the daemon dies, services and output do not', () => {
  it('kill -9 mid-flood: the writer keeps running and not one line is lost or repeated', async () => {
    const count = 100_000
    const {home, dir} = setup(`name: flood\nrunners:\n  w: { cmd: [node, $FIXTURES/numbered.mjs, "${count}", "500"], log: { max_size: 256K, keep: 20 } }\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const pid = instance(await home.status(), 'flood', 'w.1').pid!
    await waitFor('some output stored', async () => (await logLines(home, dir, ['-n', '1'])).length === 1)
    process.kill(home.daemonPid()!, 'SIGKILL')
    await waitFor('the writer to finish', async () => {
      try {
        // What the child writes itself: with no daemon, nothing reaches the plain err.log.
        return readFileSync(join(home.home, 'spool', 'flood', 'w.1', 'err.spool'), 'utf8').includes('done writing')
      } catch {
        return false
      }
    }, deadline(30_000))
    expect(isAlive(pid)).toBe(true)
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    expect(instance(await home.status(), 'flood', 'w.1').pid).toBe(pid)
    const lines = (await logLines(home, dir, ['-n', String(count + 10)])).filter((l) => l.stream === 'stdout')
    expect(lines).toHaveLength(count)
    lines.forEach((l, i) => expect(l.line).toBe(`line ${String(i).padStart(8, '0')}`))
    expect(statSync(join(home.home, 'logs', 'flood', 'w.1', 'out.idx.1')).isFile()).toBe(true)
    // The files themselves, as grep and cat see them: every line once, in order, plain text.
    const logDir = join(home.home, 'logs', 'flood', 'w.1')
    const files = readdirSync(logDir)
      .filter((name) => /^out\.log(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b.split('.')[2] ?? 0) - Number(a.split('.')[2] ?? 0))
    expect(files.length).toBeGreaterThan(3)
    const counted = execFileSync('grep', ['-c', '^line ', ...files], {cwd: logDir, encoding: 'utf8'})
    expect(counted.trim().split('\n').reduce((n, row) => n + Number(row.split(':').at(-1)), 0)).toBe(count)
    const text = execFileSync('cat', files, {cwd: logDir, encoding: 'latin1', maxBuffer: 64 * 1024 * 1024})
    expect(text.includes('\u0000')).toBe(false)
    expect(text).toBe(Array.from({length: count}, (_, i) => `line ${String(i).padStart(8, '0')}\n`).join(''))
    for (const name of files) expect(statSync(join(logDir, name)).size).toBeLessThanOrEqual(256 * 1024 + 14)
  })

  it('after kill -9 the next daemon adopts the services and still applies their restart policy', async () => {
    const {home, dir} = setup(`name: adopt\nrunners:\n  svc: { cmd: "sleep 300", restart: { policy: on-failure, backoff: { initial: 50ms } } }\n  once: { cmd: "exit 0", oneshot: true }\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const before = instance(await home.status(), 'adopt', 'svc.1')
    process.kill(home.daemonPid()!, 'SIGKILL')
    expect(isAlive(before.pid!)).toBe(true)
    expect((await home.mar(['status', '--json'])).stdout).toContain('"stacks": []')
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    const adopted = await home.status()
    expect(instance(adopted, 'adopt', 'svc.1')).toMatchObject({pid: before.pid, startedAt: before.startedAt, state: 'running'})
    expect(instance(adopted, 'adopt', 'once.1')).toMatchObject({state: 'exited', restarts: 0})
    // Its exit status is unknowable to a daemon that is not its parent: treated as a failure.
    process.kill(before.pid!, 'SIGKILL')
    const restarted = await waitFor('a restart', async () => {
      const svc = instance(await home.status(), 'adopt', 'svc.1')
      return svc.restarts === 1 && svc.state === 'running' ? svc : null
    })
    expect(restarted.pid).not.toBe(before.pid)
  })

  it('restart clears the stopped mark: after stop, restart and kill -9 the next daemon supervises it running', async () => {
    const {home, dir} = setup(`name: wanted\nrunners:\n  a: sleep 300\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    expect((await home.mar(['stop', 'a'], {cwd: dir})).code).toBe(0)
    expect((await home.mar(['restart', 'a'], {cwd: dir})).code).toBe(0)
    const running = instance(await home.status(), 'wanted', 'a.1')
    expect(running.state).toBe('running')
    process.kill(home.daemonPid()!, 'SIGKILL')
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    expect(instance(await home.status(), 'wanted', 'a.1')).toMatchObject({state: 'running', pid: running.pid})
  })

  it('a daemon that is alive but does not answer (SIGSTOP) is exit 3 with its pid, never "not running" or a second daemon', async () => {
    const {home, dir} = setup(`name: frozen\nrunners:\n  a: sleep 300\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const pid = home.daemonPid()!
    process.kill(pid, 'SIGSTOP')
    try {
      const [status, up] = await Promise.all([home.mar(['status', '--json']), home.mar(['up', '--no-wait'], {cwd: dir})])
      for (const result of [status, up]) {
        expect(result.code).toBe(3)
        expect(result.stderr).toContain(`mar: the mar daemon (pid ${pid}) at ${home.home}/daemon.sock is running but does not answer`)
      }
      expect(status.stdout).toBe('')
      expect(home.daemonPid()).toBe(pid)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
  }, deadline(60_000))

  it('offline mar logs after a kill -9 mid-flood shows every line on disk, also those no daemon copied yet', async () => {
    const writer = `node -e "let i=0; function go(){ for (let k=0; k<2000 && i<200000; k++) process.stdout.write('line '+(i++)+'\\n'); if (i<200000) setImmediate(go); else require('fs').writeFileSync('done', ''), setInterval(()=>{}, 1e6) } go()"`
    const {home, dir} = setup(`name: offline\nrunners:\n  w: { cmd: ${JSON.stringify(writer)} }\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const status = await home.status()
    home.track(instance(status, 'offline', 'w.1').pid!)
    process.kill(home.daemonPid()!, 'SIGKILL')
    await waitFor('the writer to finish', () => existsSync(join(dir, 'done')), 60_000, 50)
    const logs = await home.mar(['logs', '-n', '1000000'], {cwd: dir})
    expect(logs.code).toBe(0)
    const lines = logs.stdout.split('\n').filter(Boolean)
    expect(lines.length).toBe(200_000)
    expect(new Set(lines).size).toBe(200_000)
    expect(lines.at(-1)).toBe('w.1 | line 199999')
  }, deadline(120_000))

  it('takes over every instance, also those of a group waiting on a dependency, without re-running probes', async () => {
    const yaml = `name: deps
groups:
  infra:
    runners:
      db: { cmd: "exec sleep 1002", ready: { after: 500ms } }
      cache: { cmd: "echo cache-up; exec sleep 1004", ready: { log: "cache-up" } }
  app:
    depends_on: [infra]
    runners:
      web: { cmd: "exec sleep 1003", scale: 2 }
`
    const {home, dir} = setup(yaml)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const before = (await home.status()).stacks[0]!.instances.map((i) => [i.name, i.pid])
    for (const takeover of ['keep', 'kill -9']) {
      if (takeover === 'keep') await home.mar(['daemon', 'stop', '--keep'])
      else process.kill(home.daemonPid()!, 'SIGKILL')
      expect((await home.mar(['daemon', 'start'])).code).toBe(0)
      const after = await waitFor('every instance taken over', async () => {
        const instances = (await home.status()).stacks[0]?.instances ?? []
        return instances.every((i) => i.state === 'ready' || i.state === 'running') && instances.length === 4 ? instances : null
      })
      expect(after.map((i) => [i.name, i.pid])).toEqual(before)
    }
    expect((await home.mar(['down'], {cwd: dir})).code).toBe(0)
    for (const [, pid] of before) expect(isAlive(pid as number)).toBe(false)
  })

  it('daemon stop --keep leaves services running; the next daemon adopts them', async () => {
    const {home, dir} = setup(`name: keep\nrunners:\n  svc: { cmd: "sleep 300", scale: 2 }\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const pids = (await home.status()).stacks[0]!.instances.map((i) => i.pid)
    const stop = await home.mar(['daemon', 'stop', '--keep'])
    expect(stop.stdout).toContain('services left running')
    expect(pids.every((p) => isAlive(p!))).toBe(true)
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    expect((await home.status()).stacks[0]!.instances.map((i) => i.pid)).toEqual(pids)
  })

  it('resurrection: a daemon started after everything was stopped and runtime state cleared brings the stacks back', async () => {
    const {home, dir} = setup(`name: phoenix\nrunners:\n  svc: { cmd: "sleep 300" }\n  task: { cmd: "echo ran >> runs.txt", oneshot: true }\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const old = instance(await home.status(), 'phoenix', 'svc.1').pid!
    // A reboot: every process gone, runtime files gone, only MAR_HOME's records left.
    process.kill(home.daemonPid()!, 'SIGKILL')
    process.kill(-old, 'SIGKILL')
    for (const file of ['daemon.sock', 'daemon.pid', 'run', 'journal.jsonl']) rmSync(join(home.home, file), {recursive: true, force: true})
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    const back = await waitForState(home, 'phoenix', 'svc.1', ['running'])
    expect(back.pid).not.toBe(old)
    await waitFor('the task to run again', () => readFileSync(join(dir, 'runs.txt'), 'utf8') === 'ran\nran\n')
  })

  it('with no daemon running, mar logs still shows the stored lines (but cannot follow)', async () => {
    const {home, dir} = setup(`name: quiet\nrunners:\n  say: { cmd: "echo one; echo two >&2; echo three", oneshot: true }\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    await home.mar(['daemon', 'stop'])
    const logs = await home.mar(['logs', '--json'], {cwd: dir})
    expect(logs.code).toBe(0)
    const lines = logs.stdout.trim().split('\n').map((l) => JSON.parse(l) as LogLineJson)
    // Each stream keeps its order; stdout and stderr lines read in one burst share a time.
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['one', 'three'])
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['two'])
    const follow = await home.mar(['logs', '-f'], {cwd: dir})
    expect(follow.code).toBe(3)
  })

  it('mar down takes a stack away for good: the next daemon does not bring it back', async () => {
    const {home, dir} = setup(`name: gone\nrunners:\n  svc: { cmd: "sleep 300" }\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    expect((await home.mar(['down'], {cwd: dir})).code).toBe(0)
    await home.mar(['daemon', 'stop'])
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    expect((await home.status()).stacks).toEqual([])
  })
})
