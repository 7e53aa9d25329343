// The daemon through the built binary: two stacks at once, per-target
// commands, reload, failure reports, exit codes, concurrent starts (logs -f:
// daemon-logs-follow.test.ts).
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {instance, project, waitForState, withHome, type Home} from '../helpers/daemon.js'
import {freePort, isAlive, waitFor} from '../helpers/wait.js'
import {spawnMar} from '../helpers/cli.js'

const homes: Home[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const home of homes.splice(0)) await home.cleanup()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function setup(files: Record<string, string>) {
  const home = withHome()
  homes.push(home)
  const p = project(files)
  cleanups.push(p.cleanup)
  return {home, dir: p.dir}
}

const sleeper = (name: string, extra = '') => `  ${name}: { cmd: "sleep 300"${extra} }`

describe('daemon lifecycle', () => {
  it('holds two stacks at once; per-target stop/start/restart/signal; down removes one', async () => {
    const home = withHome()
    homes.push(home)
    const a = project({'mar.yaml': `name: alpha\nrunners:\n${sleeper('web', ', scale: 2')}\n${sleeper('worker')}\n`})
    const b = project({'mar.yaml': `name: beta\nrunners:\n${sleeper('api')}\n`})
    cleanups.push(a.cleanup, b.cleanup)
    expect((await home.mar(['up'], {cwd: a.dir})).code).toBe(0)
    expect((await home.mar(['up'], {cwd: b.dir})).code).toBe(0)
    let status = await home.status()
    expect(status.stacks.map((s) => s.name).sort()).toEqual(['alpha', 'beta'])
    expect(instance(status, 'alpha', 'web.2').state).toBe('running')

    const stop = await home.mar(['stop', 'web.2'], {cwd: a.dir})
    expect(stop.code).toBe(0)
    expect(stop.stdout).toMatch(/web\.2\s+stopped/)
    status = await home.status()
    expect(instance(status, 'alpha', 'web.2')).toMatchObject({state: 'stopped', pid: null})
    expect(instance(status, 'alpha', 'web.1').state).toBe('running')

    expect((await home.mar(['start', 'web.2'], {cwd: a.dir})).code).toBe(0)
    const before = instance(await home.status(), 'alpha', 'web.1').pid
    const restart = await home.mar(['restart', 'web'], {cwd: a.dir})
    expect(restart.stdout).toMatch(/web\.1\s+restarted\nweb\.2\s+restarted/)
    status = await home.status()
    expect(instance(status, 'alpha', 'web.1').pid).not.toBe(before)
    expect(instance(status, 'alpha', 'web.1').restarts).toBe(1)

    // From anywhere, with stack/target.
    const signal = await home.mar(['signal', 'TERM', 'beta/api'])
    expect(signal.code).toBe(0)
    expect(signal.stdout).toMatch(/api\.1\s+sent SIGTERM to process group \d+/)
    await waitFor('api restarted after SIGTERM', async () => instance(await home.status(), 'beta', 'api.1').restarts === 1)

    const down = await home.mar(['down'], {cwd: a.dir})
    expect(down.code).toBe(0)
    status = await home.status()
    expect(status.stacks.map((s) => s.name)).toEqual(['beta'])
  })

  it('exit codes: unknown target 2, bad signal 2, no daemon 3, a failed start 1 with its last log lines', async () => {
    const {home, dir} = setup({
      'mar.yaml': `name: codes\nrunners:\n${sleeper('web')}\n  bad: { cmd: "echo starting; echo 'fatal: no config' >&2; exit 3", restart: never }\n`,
    })
    const noDaemon = await home.mar(['stop', 'web'], {cwd: dir})
    expect(noDaemon.code).toBe(3)
    expect(noDaemon.stderr).toMatch(/^mar: cannot reach the mar daemon at .*: it is not running — start it with/)
    const up = await home.mar(['up'], {cwd: dir})
    expect(up.code).toBe(1)
    expect(up.stderr).toContain('✗ bad.1: exited: 3')
    expect(up.stderr).toContain('fatal: no config')
    expect(up.stderr).toContain('starting')
    const unknown = await home.mar(['stop', 'wbe'], {cwd: dir})
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown target "wbe" — did you mean "web"?')
    const badSignal = await home.mar(['signal', 'SIGFOO', 'web'], {cwd: dir})
    expect(badSignal.code).toBe(2)
    expect(badSignal.stderr).toContain('unknown signal "SIGFOO"')
  })

  it("up's failure report shows only this run's lines, not an earlier config's", async () => {
    const failing = (word: string) => `name: again\nrunners:\n  bad: { cmd: "echo ${word}; exit 3", restart: never }\n`
    const {home, dir} = setup({'mar.yaml': failing('first-config')})
    const first = await home.mar(['up'], {cwd: dir})
    expect(first.code).toBe(1)
    expect(first.stderr).toContain('first-config')
    writeFileSync(join(dir, 'mar.yaml'), failing('second-config'))
    const second = await home.mar(['up'], {cwd: dir})
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('second-config')
    expect(second.stderr).not.toContain('first-config')
    // The earlier lines are still there for `mar logs`.
    expect((await home.mar(['logs', 'bad'], {cwd: dir})).stdout).toContain('first-config')
  })

  it('Ctrl-C while up waits says what goes on in the daemon and exits 130; the stack keeps starting', async () => {
    const port = await freePort()
    const {home, dir} = setup({'mar.yaml': `name: slowpoke\nrunners:\n  web: { cmd: "sleep 300", ready: { tcp: ${port}, interval: 100ms } }\n`})
    const up = spawnMar(['up', '--timeout', '5m'], {cwd: dir, env: home.env})
    let stderr = ''
    up.stderr!.on('data', (chunk) => (stderr += chunk))
    const ended = new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code)))
    try {
      await waitFor('web.1 to run while up waits', async () => (await home.status().catch(() => null))?.stacks[0]?.instances[0]?.state === 'running', 20_000)
      up.kill('SIGINT')
      expect(await ended).toBe(130)
    } finally {
      if (up.exitCode === null) up.kill('SIGKILL')
    }
    expect(stderr).toContain('mar: stopped waiting — web.1 keeps starting in the daemon (mar status, mar down)')
    expect(instance(await home.status(), 'slowpoke', 'web.1').state).toBe('running')
  })

  it('up waits for readiness probes and reports a timeout', async () => {
    const port = await freePort()
    const {home, dir} = setup({'mar.yaml': `name: slow\nrunners:\n  web: { cmd: "sleep 300", ready: { tcp: ${port}, interval: 100ms } }\n`})
    const result = await home.mar(['up', '--timeout', '1s'], {cwd: dir})
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/web\.1: not ready after 1s \(running/)
  })

  it('up --no-wait returns at once; --json reports the instances', async () => {
    const {home, dir} = setup({'mar.yaml': `name: quick\nrunners:\n${sleeper('web', ', scale: 3')}\n`})
    const result = await home.mar(['up', '--no-wait', '--json'], {cwd: dir})
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({stack: 'quick', instances: ['web.1', 'web.2', 'web.3'], waited: false})
  })

  it('reload adds, removes and changes instances, restarting only what changed', async () => {
    const {home, dir} = setup({'mar.yaml': `name: re\nrunners:\n${sleeper('web', ', scale: 2')}\n${sleeper('worker')}\n${sleeper('old')}\n`})
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const before = await home.status()
    writeFileSync(join(dir, 'mar.yaml'), `name: re\nrunners:\n${sleeper('web', ', scale: 3')}\n  worker: { cmd: "sleep 301" }\n${sleeper('new')}\n`)
    const dry = await home.mar(['reload', '--dry-run'], {cwd: dir})
    expect(dry.stdout.split('\n').filter(Boolean).sort()).toEqual(['+ new.1  added', '+ web.3  added', '- old.1  removed', '~ worker.1  changed: command', 'dry run: nothing was changed'].sort())
    expect((await home.status()).stacks[0]!.instances.map((i) => i.name)).toEqual(before.stacks[0]!.instances.map((i) => i.name))
    const applied = await home.mar(['reload'], {cwd: dir})
    expect(applied.code).toBe(0)
    await waitForState(home, 're', 'new.1', ['running'])
    const after = await home.status()
    const names = after.stacks[0]!.instances.map((i) => i.name).sort()
    expect(names).toEqual(['new.1', 'web.1', 'web.2', 'web.3', 'worker.1'])
    expect(instance(after, 're', 'web.1').pid).toBe(instance(before, 're', 'web.1').pid)
    expect(instance(after, 're', 'worker.1').pid).not.toBe(instance(before, 're', 'worker.1').pid)
    expect(isAlive(instance(before, 're', 'old.1').pid!)).toBe(false)
  })

  it('a rolling restart never has all instances of a scaled runner down at once', async () => {
    const port = await freePort()
    const server = `node -e "require('http').createServer((q,s)=>s.end('ok')).listen(+process.env.PORT,'127.0.0.1')"`
    const {home, dir} = setup({'mar.yaml': `name: roll\nrunners:\n  web: { cmd: ${JSON.stringify(server)}, scale: 3, port: ${port}, ready: { http: "http://127.0.0.1:\${PORT}/", interval: 50ms } }\n`})
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    let minUp = 3
    let watching = true
    const watcher = (async () => {
      while (watching) {
        const status = await home.status()
        minUp = Math.min(minUp, status.stacks[0]!.instances.filter((i) => i.state === 'ready').length)
      }
    })()
    const restart = await home.mar(['restart', 'web'], {cwd: dir})
    watching = false
    await watcher
    expect(restart.code).toBe(0)
    expect(minUp).toBeGreaterThanOrEqual(2)
    const status = await home.status()
    expect(status.stacks[0]!.instances.every((i) => i.restarts === 1 && i.state === 'ready')).toBe(true)
  })

  it('remembers what was stopped or not asked for across daemon restarts; start brings dependencies first', async () => {
    const yaml = `name: mem
groups:
  infra:
    runners:
      db: { cmd: "sleep 300" }
  app:
    depends_on: [infra]
    runners:
      web: { cmd: "sleep 300" }
      worker: { cmd: "sleep 300" }
      job: { cmd: "true", oneshot: true }
`
    const {home, dir} = setup({'mar.yaml': yaml})
    expect((await home.mar(['up', 'web'], {cwd: dir})).code).toBe(0)
    let status = await home.status()
    expect(instance(status, 'mem', 'db.1').state).toBe('running')
    expect(instance(status, 'mem', 'worker.1')).toMatchObject({state: 'stopped', reason: 'not started (not among the targets of mar up)'})
    expect((await home.mar(['stop', 'db'], {cwd: dir})).code).toBe(0)
    await home.mar(['daemon', 'stop'])
    expect((await home.mar(['daemon', 'start'])).code).toBe(0)
    status = await waitFor('web back', async () => {
      const s = await home.status()
      return instance(s, 'mem', 'web.1').state === 'running' ? s : null
    })
    expect(instance(status, 'mem', 'db.1')).toMatchObject({state: 'stopped', reason: 'stopped by mar stop'})
    expect(instance(status, 'mem', 'worker.1').state).toBe('stopped')
    const start = await home.mar(['start', 'worker', 'web'], {cwd: dir})
    expect(start.code).toBe(0)
    expect(start.stdout).toMatch(/web\.1\s+already running/)
    expect(start.stdout).toMatch(/worker\.1\s+started/)
    status = await home.status()
    expect(instance(status, 'mem', 'db.1').state).toBe('running')
    expect(instance(status, 'mem', 'worker.1').state).toBe('running')
    // A stack-wide signal skips what is not running (the oneshot) and still succeeds.
    const signal = await home.mar(['signal', 'CONT'], {cwd: dir})
    expect(signal.code).toBe(0)
    expect(signal.stdout).toMatch(/job\.1\s+not running: skipped/)
    // down counts what it stopped, not what never ran or had already stopped.
    expect((await home.mar(['stop', 'db'], {cwd: dir})).code).toBe(0)
    const down = await home.mar(['down'], {cwd: dir})
    expect(down.code).toBe(0)
    expect(down.stdout).toContain('stack mem is down (2 instances stopped, 2 were not running)')
  })

  it('up -f refuses a stack the daemon runs; down of a stack that is not up is a no-op; a bare word names a stack', async () => {
    const {home, dir} = setup({'mar.yaml': `name: dup\nrunners:\n${sleeper('web')}\n`})
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const fg = await home.mar(['up', '-f'], {cwd: dir})
    expect(fg.code).toBe(1)
    expect(fg.stderr).toContain('the stack dup is already up in the daemon')
    const elsewhere = project({})
    cleanups.push(elsewhere.cleanup)
    const down = await home.mar(['down', 'dup'], {cwd: elsewhere.dir})
    expect(down.code).toBe(0)
    expect(down.stdout).toContain('stack dup is down (1 instance stopped)')
    const again = await home.mar(['down'], {cwd: dir})
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('is not up: nothing to stop')
  })

  it('two concurrent `mar up` start one daemon', async () => {
    const home = withHome()
    homes.push(home)
    const a = project({'mar.yaml': `name: one\nrunners:\n${sleeper('a')}\n`})
    const b = project({'mar.yaml': `name: two\nrunners:\n${sleeper('b')}\n`})
    cleanups.push(a.cleanup, b.cleanup)
    const [ra, rb] = await Promise.all([home.mar(['up'], {cwd: a.dir}), home.mar(['up'], {cwd: b.dir})])
    expect([ra.code, rb.code]).toEqual([0, 0])
    const status = await home.status()
    expect(status.stacks.map((s) => s.name).sort()).toEqual(['one', 'two'])
    const log = readFileSync(join(home.home, 'daemon.log'), 'utf8')
    expect(log.match(/listening on/g)).toHaveLength(1)
  })
})
