// The exec leaf with real processes: output integrity, stopping process
// trees (grandchildren, setsid, double fork), stop timeouts, spawn failures.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {runStack, type Harness} from '../helpers/stack-harness.js'
import {isAlive, killQuietly, waitFor} from '../helpers/wait.js'
import {probeContainment} from '../../src/supervisor/cgroup.js'

const cgroupsWork = probeContainment().mode === 'cgroup'
let harness: Harness | undefined
const leaked: number[] = []
afterEach(async () => {
  await harness?.cleanup()
  harness = undefined
  for (const pid of leaked.splice(0)) killQuietly(pid)
})

describe('plain string commands', () => {
  it('run as the instance itself, with the PWD sh would give them, in both containment modes', async () => {
    for (const cgroups of [false, true]) {
      harness = await runStack(`runners: { s: { cmd: "sleep 30" } }`, {cgroups})
      await harness.waitForState('s.1', 'running')
      const pid = harness.pidOf('s.1')!
      // With a cgroup, a tiny sh enters it first and then execs the program in its place.
      await waitFor('the instance to be sleep itself', () => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep')
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
      expect(environ).toContain(`PWD=${harness.dir}`)
      await harness.cleanup()
      harness = undefined
    }
  })
})

describe('output', () => {
  it('keeps every line of two concurrent 10 000-line writers whole and in order', async () => {
    harness = await runStack(`
runners:
  a: { cmd: [node, $FIXTURES/flood.mjs, "10000", alpha], oneshot: true }
  b: { cmd: [node, $FIXTURES/flood.mjs, "10000", bravo], oneshot: true }
`)
    await harness.proc.exited
    for (const [name, tag] of [['a.1', 'alpha'], ['b.1', 'bravo']] as const) {
      const lines = harness.output(name)
      expect(lines).toHaveLength(10_000)
      lines.forEach((line, i) => {
        expect(line.startsWith(`${tag} ${String(i).padStart(9, '0')} `)).toBe(true)
        expect(line).toHaveLength(100)
      })
    }
  })

  it('prints a final line that has no newline', async () => {
    harness = await runStack(`runners: { p: { cmd: [node, $FIXTURES/partial-line.mjs], oneshot: true } }`)
    await harness.proc.exited
    expect(harness.output('p.1')).toEqual(['first', 'second', 'no newline at the end'])
  })

  it('gives runners no stdin', async () => {
    harness = await runStack(`runners: { r: { cmd: "cat; echo cat-ended", oneshot: true } }`)
    await harness.proc.exited
    expect(harness.output('r.1')).toEqual(['cat-ended'])
  })
})

describe('stopping', () => {
  const modes = cgroupsWork ? [true, false] : [false]
  for (const cgroups of modes) {
    const label = cgroups ? 'cgroup' : 'process group'
    for (const tree of ['group', 'setsid', 'double-fork'] as const) {
      it(`leaves no ${tree} grandchild behind (${label} mode)`, async () => {
        harness = await runStack(
          `runners: { t: { cmd: [node, $FIXTURES/spawn-tree.mjs, PIDFILE, ${tree}], stop: { timeout: 300ms } } }`.replace('PIDFILE', 'grandchild.pid'),
          {cgroups},
        )
        const pidfile = join(harness.dir, 'grandchild.pid')
        const grandchild = await waitFor('the grandchild pid', () => Number(readFileSync(pidfile, 'utf8').trim()) || null)
        leaked.push(grandchild)
        expect(isAlive(grandchild)).toBe(true)
        await harness.proc.stop()
        expect(isAlive(grandchild)).toBe(false)
      })
    }
  }

  it('kills a child that ignores SIGTERM once the stop timeout has passed', async () => {
    harness = await runStack(`runners: { stubborn: { cmd: [node, $FIXTURES/ignore-term.mjs], stop: { timeout: 700ms } } }`)
    await waitFor('running output', () => harness!.output('stubborn.1').includes('running'))
    const pid = harness.pidOf('stubborn.1')!
    const began = Date.now()
    await harness.proc.stop()
    const took = Date.now() - began
    expect(isAlive(pid)).toBe(false)
    expect(took).toBeGreaterThanOrEqual(650)
    expect(harness.output('stubborn.1')).toContain('got SIGTERM, ignoring it')
    const stopped = harness.events.find((e) => e.kind === 'instance' && e.name === 'stubborn.1' && e.state === 'stopped')
    expect(stopped).toMatchObject({exit: {code: null, signal: 'SIGKILL'}})
  })

  it('sends the configured stop signal and runs stop.cmd first', async () => {
    harness = await runStack(`
runners:
  svc:
    cmd: [node, -e, "process.on('SIGINT', () => { console.log('got SIGINT'); process.exit(0) }); console.log('up'); setInterval(() => {}, 1000)"]
    stop: { signal: SIGINT, cmd: "echo stop-cmd-ran > stopped.txt", timeout: 5s }
`)
    await waitFor('svc output', () => harness!.output('svc.1').includes('up'))
    await harness.proc.stop()
    expect(harness.output('svc.1')).toContain('got SIGINT')
    expect(readFileSync(join(harness.dir, 'stopped.txt'), 'utf8')).toBe('stop-cmd-ran\n')
  })
})

describe('spawning', () => {
  it('reports a command that does not exist and fails it at once rather than retrying (more in spawn-failures.test.ts)', async () => {
    harness = await runStack(`runners: { web: { cmd: foo-does-not-exist --port 1, restart: { policy: on-failure, backoff: { initial: 50ms }, limit: 2/1m } } }`)
    const failed = await harness.waitForState('web.1', 'failed')
    expect(failed.why).toMatchObject({reasonCode: 'spawn-not-found', reason: expect.stringMatching(/^foo-does-not-exist not found on PATH \(/)})
    expect(harness.statesOf('web.1')).toEqual(['starting', 'failed'])
  })

  it('runs argv commands without a shell', async () => {
    harness = await runStack(`runners: { echo: { cmd: [echo, "$HOME; rm -rf /"], oneshot: true } }`)
    await harness.proc.exited
    expect(harness.output('echo.1')).toEqual(['$HOME; rm -rf /'])
  })

  it('reports the exit code of a simple shell command from the program itself', async () => {
    harness = await runStack(`runners: { e: { cmd: node $FIXTURES/exit-with.mjs 7, restart: never } }`)
    await harness.waitForState('e.1', 'crashed')
    expect(harness.events.find((e) => e.kind === 'instance' && e.state === 'crashed')).toMatchObject({exit: {code: 7, signal: null}})
  })
})
