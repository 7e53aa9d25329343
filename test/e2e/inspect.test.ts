// mar status TARGET…, mar describe INSTANCE, logs --stream / the stderr mark /
// --clear, and the daemon's pruning of old logs, through the built binary
// against a real daemon (and a `mar up -f`).
import type {ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {DescribeJson, LogLineJson, StatusJson} from '../../src/api/json.js'
import {spawnMar} from '../helpers/cli.js'
import {instance, waitForState} from '../helpers/daemon.js'
import {stackTests} from '../helpers/stack-tests.js'
import {freePort, waitFor} from '../helpers/wait.js'
import {deadline} from '../helpers/deadline.js'

const t = stackTests()
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})
const setup = (yaml: string) => t.setup(yaml)

const names = (status: StatusJson) => status.stacks.flatMap((s) => s.instances.map((i) => `${s.name}/${i.name}`))

describe('status TARGET… and describe INSTANCE', () => {
  it('status shows only what the targets name (text and --json); describe shows an instance whole; bad targets exit 2', async () => {
    const port = await freePort()
    const {home, dir} = setup(`name: insp
env: { SECRET: hunter2 }
groups:
  app:
    runners:
      web: { cmd: "exec node $FIXTURES/tcp-server.mjs \${PORT}", port: ${port}, ready: { tcp: "127.0.0.1:\${PORT}" } }
      worker: { cmd: "sleep 300", scale: 2 }
  flaky:
    runners:
      crashy: { cmd: "echo boom >&2; exit 3", restart: { policy: on-failure, limit: 2/1m, backoff: { initial: 10ms, max: 20ms } } }
`)
    expect((await home.mar(['up', '--no-wait'], {cwd: dir})).code).toBe(0)
    await waitForState(home, 'insp', 'web.1', ['ready'])
    await waitForState(home, 'insp', 'crashy.1', ['failed'])

    const text = await home.mar(['status', 'web', 'worker.2'], {cwd: dir})
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^web\.1 +local +ready /m)
    expect(text.stdout).toMatch(/^worker\.2 +local +running /m)
    expect(text.stdout).not.toMatch(/worker\.1|crashy/)
    const json = await home.mar(['status', 'web', 'worker.2', '--json'], {cwd: dir})
    expect(names(JSON.parse(json.stdout) as StatusJson)).toEqual(['insp/web.1', 'insp/worker.2'])
    // From anywhere, as stack/runner, with the alias; the same JSON shape as a plain status.
    const anywhere = await home.mar(['ps', 'insp/crashy', '--json'], {cwd: tmpdir()})
    expect(anywhere.code).toBe(0)
    const crashy = JSON.parse(anywhere.stdout) as StatusJson
    expect(names(crashy)).toEqual(['insp/crashy.1'])
    expect(Object.keys(crashy.stacks[0]!.instances[0]!).sort()).toEqual(Object.keys(instance(await home.status(), 'insp', 'crashy.1')).sort())
    expect(crashy.stacks[0]!.instances[0]).toMatchObject({state: 'failed', reasonCode: 'restart-limit', lastExit: {code: 3, signal: null}})

    const unknown = await home.mar(['status', 'wrker'], {cwd: dir})
    expect(unknown.code).toBe(2)
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1)
    expect(unknown.stderr).toMatch(/unknown target "wrker".*worker/)
    const notUp = await home.mar(['status', 'nosuch/web', '--json'], {cwd: dir})
    expect(notUp.code).toBe(1)
    expect(notUp.stderr).toMatch(/stack "nosuch" is not up/)

    // describe: the crash loop's exits, env keys but never values, its log files.
    const crashed = await home.mar(['describe', 'crashy.1', '--json'], {cwd: dir})
    expect(crashed.code).toBe(0)
    expect(crashed.stdout).not.toContain('hunter2')
    const c = JSON.parse(crashed.stdout) as DescribeJson
    expect(c).toMatchObject({stack: 'insp', name: 'crashy.1', runner: 'crashy', group: 'flaky', state: 'failed', reasonCode: 'restart-limit', restarts: 2, pid: null, command: {shell: 'echo boom >&2; exit 3'}, cwd: dir, port: null, cgroup: null})
    expect(c.env).toEqual(expect.arrayContaining(['SECRET', 'MAR_INSTANCE']))
    expect(c.exits).toHaveLength(3)
    for (const exit of c.exits) expect(exit).toMatchObject({code: 3, signal: null, state: 'crashed', reasonCode: 'crashed'})
    expect(Date.parse(c.exits[0]!.at)).toBeLessThanOrEqual(Date.parse(c.exits[2]!.at))
    expect(c.logs.dir).toBe(join(home.home, 'logs', 'insp', 'crashy.1'))
    await waitFor('boom in the stderr file describe names', () => existsSync(c.logs.stderr) && readFileSync(c.logs.stderr, 'utf8').includes('boom'))

    const web = JSON.parse((await home.mar(['describe', 'insp/web.1', '--json'], {cwd: tmpdir()})).stdout) as DescribeJson
    expect(web).toMatchObject({name: 'web.1', state: 'ready', port, pid: instance(await home.status(), 'insp', 'web.1').pid, exits: []})
    expect(web.probes.ready).toMatchObject({kind: 'tcp', target: `127.0.0.1:${port}`, passed: true})
    expect(Date.parse(web.probes.ready!.at!)).toBeGreaterThan(0)
    expect(web.probes.liveness).toBeNull()
    const webText = await home.mar(['describe', 'web'], {cwd: dir}) // a runner with one instance will do
    expect(webText.code).toBe(0)
    expect(webText.stdout).toMatch(/^insp\/web\.1 /)
    expect(webText.stdout).toMatch(new RegExp(`^ready +tcp 127\\.0\\.0\\.1:${port} \\(every 250ms, timeout 1m\\): passed `, 'm'))
    expect(webText.stdout).toMatch(new RegExp(`^pid +${web.pid}, started `, 'm'))
    expect(webText.stdout).toMatch(/^env +.*\bSECRET\b/m)
    expect(webText.stdout).toMatch(/^stdout +\/.*\/logs\/insp\/web\.1\/out\.log$/m)

    const several = await home.mar(['describe', 'worker'], {cwd: dir})
    expect(several.code).toBe(2)
    expect(several.stderr).toMatch(/"worker" names 2 instances \(worker\.1, worker\.2\)/)
    expect((await home.mar(['describe', 'nope.1'], {cwd: dir})).code).toBe(2)
    expect((await home.mar(['describe'], {cwd: dir})).code).toBe(2)
  }, deadline(120_000))
})

describe('logs: streams, the stderr mark, --clear, pruning', () => {
  const talker = `name: talk\nrunners:\n  talk: { cmd: "echo to-out; echo to-err >&2; exec sleep 300" }\n`

  it('marks stderr lines, filters by --stream, and clears only a stack that is down', async () => {
    const {home, dir} = setup(talker)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const logDir = join(home.home, 'logs', 'talk')
    // Written by the program itself (logs reads what is written so far, stored first).
    const wrote = (file: string, text: string) => () => existsSync(join(logDir, 'talk.1', file)) && readFileSync(join(logDir, 'talk.1', file), 'utf8').includes(text)
    await waitFor('both lines written', () => wrote('out.log', 'to-out')() && wrote('err.log', 'to-err')(), 15_000, 20)
    const logs = await home.mar(['logs'], {cwd: dir})
    expect(logs.stdout).toMatch(/^talk\.1 \| to-out$/m)
    expect(logs.stdout).toMatch(/^talk\.1 !\| to-err$/m)
    const stderrOnly = await home.mar(['logs', '--stream', 'stderr'], {cwd: dir})
    expect(stderrOnly.stdout).toBe('talk.1 !| to-err\n')
    const stdoutJson = (await home.mar(['logs', '--stream', 'stdout', '--json'], {cwd: dir})).stdout.trim().split('\n').map((l) => JSON.parse(l) as LogLineJson)
    expect(stdoutJson.map((l) => [l.stream, l.line])).toEqual([['stdout', 'to-out']])
    const bad = await home.mar(['logs', '--stream', 'both'], {cwd: dir})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/stdout, stderr/)

    const refused = await home.mar(['logs', '--clear'], {cwd: dir})
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/the stack talk is up: its logs are in use.*mar down talk\//)
    expect(existsSync(logDir)).toBe(true)
    expect((await home.mar(['logs', '--clear', 'a', 'b'], {cwd: dir})).code).toBe(2)

    expect((await home.mar(['down'], {cwd: dir})).code).toBe(0)
    // Kept after down: still readable from disk.
    expect((await home.mar(['logs', '--stream', 'stderr'], {cwd: dir})).stdout).toBe('talk.1 !| to-err\n')
    const cleared = await home.mar(['logs', '--clear', '--json'], {cwd: dir})
    expect(cleared.code).toBe(0)
    const reply = JSON.parse(cleared.stdout) as {stack: string; removed: boolean; bytes: number}
    expect(reply).toMatchObject({stack: 'talk', removed: true})
    expect(reply.bytes).toBeGreaterThan(0)
    expect(existsSync(logDir)).toBe(false)
    const again = await home.mar(['logs', '--clear', 'talk'], {cwd: tmpdir()})
    expect(again).toMatchObject({code: 0, stdout: 'no stored logs of talk: nothing to clear\n'})

    // Without a daemon: a stack that comes back with the next one is refused; once down, cleared here.
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    await waitFor('its stderr written again', wrote('err.log', 'to-err'), 15_000, 20)
    expect((await home.mar(['daemon', 'stop'])).code).toBe(0)
    const recorded = await home.mar(['logs', '--clear'], {cwd: dir})
    expect(recorded.code).toBe(1)
    expect(recorded.stderr).toMatch(/comes back when the daemon starts/)
    expect((await home.mar(['logs', '--stream', 'stderr'], {cwd: dir})).stdout).toBe('talk.1 !| to-err\n')
  }, deadline(120_000))

  it('a `mar up -f` stack answers describe and keeps its logs from --clear', async () => {
    const {home, dir} = setup(talker)
    const fg = spawnMar(['up', '-f'], {cwd: dir, env: home.env})
    children.push(fg)
    const exited = new Promise((resolve) => fg.once('exit', resolve))
    const running = await waitForState(home, 'talk', 'talk.1', ['running'], 20_000)
    const described = await home.mar(['describe', 'talk.1', '--json'], {cwd: dir})
    expect(described.code).toBe(0)
    expect(JSON.parse(described.stdout)).toMatchObject({stack: 'talk', name: 'talk.1', state: 'running', pid: running.pid, command: {shell: 'echo to-out; echo to-err >&2; exec sleep 300'}})
    const refused = await home.mar(['logs', '--clear'], {cwd: dir})
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/runs in the foreground/)
    fg.kill('SIGINT')
    await exited
    expect((await home.mar(['logs', '--clear', 'talk'])).stdout).toMatch(/^cleared the stored logs of talk \(/)
  }, deadline(60_000))

  it('the daemon prunes, when it starts, the logs of stacks not up that were not written for 7 days', async () => {
    const home = t.home()
    const week = 7 * 24 * 3600
    const seed = (stack: string, ageSeconds: number) => {
      const dir = join(home.home, 'logs', stack, 'web.1')
      mkdirSync(dir, {recursive: true})
      writeFileSync(join(dir, 'out.log'), 'old line\n')
      const t = Date.now() / 1000 - ageSeconds
      for (const path of [join(dir, 'out.log'), dir, join(home.home, 'logs', stack)]) utimesSync(path, t, t)
    }
    seed('gone', week + 3600)
    seed('recent', week - 3600)
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    await waitFor('the old stack pruned', () => !existsSync(join(home.home, 'logs', 'gone')), 15_000, 50)
    expect(existsSync(join(home.home, 'logs', 'recent', 'web.1', 'out.log'))).toBe(true)
    expect(readFileSync(join(home.home, 'daemon.log'), 'utf8')).toMatch(/pruned the logs of gone/)
  })
})
