// Readiness and liveness probes against real servers and programs.
import {afterEach, describe, expect, it} from 'vitest'
import {runStack, type Harness} from '../helpers/stack-harness.js'
import {freePort, waitFor} from '../helpers/wait.js'

let harness: Harness | undefined
afterEach(async () => {
  await harness?.cleanup()
  harness = undefined
})

const readyAt = (h: Harness, name: string) => h.events.find((e) => e.kind === 'instance' && e.name === name && e.state === 'ready')?.at

describe('readiness probes', () => {
  it('tcp: ready only once the port accepts connections', async () => {
    const port = await freePort()
    harness = await runStack(`runners: { s: { cmd: [node, $FIXTURES/tcp-server.mjs, "${port}", "300"], ready: { tcp: ${port}, interval: 50ms } } }`)
    await harness.waitForState('s.1', 'ready')
    const running = harness.events.find((e) => e.kind === 'instance' && e.state === 'running')!.at
    expect(readyAt(harness, 's.1')! - running).toBeGreaterThanOrEqual(250)
  })

  it('http: waits for the expected status', async () => {
    const port = await freePort()
    harness = await runStack(`runners: { s: { cmd: [node, $FIXTURES/http-server.mjs, "${port}", "300"], port: ${port}, ready: { http: "http://127.0.0.1:\${PORT}/health", interval: 50ms } } }`)
    await harness.waitForState('s.1', 'ready')
    expect(harness.output('s.1')).toContain(`listening on ${port}`)
  })

  it('exec: ready when the command exits 0', async () => {
    harness = await runStack(`runners: { s: { cmd: "sleep 60", ready: { exec: "echo >> tries; test -e flag", interval: 50ms } } }`)
    const {readFileSync, writeFileSync} = await import('node:fs')
    // A second try has begun only after the first one failed: not ready while the command exits non-zero.
    const dir = harness.dir
    await waitFor('two tries of the probe', () => readFileSync(`${dir}/tries`, 'utf8').split('\n').length > 2)
    expect(readyAt(harness, 's.1')).toBeUndefined()
    writeFileSync(`${harness.dir}/flag`, '')
    await harness.waitForState('s.1', 'ready')
  })

  it('log: ready when a line matches', async () => {
    harness = await runStack(`runners: { s: { cmd: "echo booting; sleep 0.2; echo 'server started on 8080'; sleep 60", ready: { log: "started on \\\\d+" } } }`)
    await harness.waitForState('s.1', 'ready')
    expect(harness.output('s.1')).toContain('server started on 8080')
  })

  it('notify: ready on READY=1 over NOTIFY_SOCKET, ignoring garbage datagrams', async () => {
    harness = await runStack(`runners: { s: { cmd: [node, $FIXTURES/notify.mjs, "100", garbage], ready: notify } }`)
    await harness.waitForState('s.1', 'ready')
    const statuses = harness.events.flatMap((e) => (e.kind === 'instance' && e.status ? [e.status] : []))
    expect(statuses).toEqual(['warming up', 'serving'])
  })

  it('after: ready a fixed time after start', async () => {
    harness = await runStack(`runners: { s: { cmd: "sleep 60", ready: { after: 300ms } } }`)
    await harness.waitForState('s.1', 'ready')
    const running = harness.events.find((e) => e.kind === 'instance' && e.state === 'running')!.at
    expect(readyAt(harness, 's.1')! - running).toBeGreaterThanOrEqual(290)
  })
})

describe('probes that never pass end in a defined state', () => {
  it('a refused tcp port fails with the last error', async () => {
    const port = await freePort()
    harness = await runStack(`runners: { s: { cmd: "sleep 60", ready: { tcp: ${port}, timeout: 400ms, interval: 50ms }, restart: never } }`)
    await harness.waitForState('s.1', 'stopped')
    const reasons = harness.events.flatMap((e) => (e.kind === 'instance' && e.why?.reason ? [e.why.reason] : []))
    expect(reasons.some((r) => /^ready probe failed: tcp 127\.0\.0\.1:\d+: connection refused \(gave up after 400ms\)$/.test(r))).toBe(true)
    await expect(harness.proc.exited).rejects.toMatchObject({code: 'group-failed'})
  })

  it('a hanging exec probe is killed by its own timeout', async () => {
    harness = await runStack(`runners: { s: { cmd: "sleep 60", ready: { exec: "sleep 600", timeout: 600ms, interval: 50ms }, restart: never } }`)
    await harness.waitForState('s.1', 'stopped', 5000)
    const reasons = harness.events.flatMap((e) => (e.kind === 'instance' && e.why?.reason ? [e.why.reason] : []))
    expect(reasons.some((r) => r.startsWith('ready probe failed: exec "sleep 600": still running after'))).toBe(true)
  })

  it('an http server that never answers fails the probe on time', async () => {
    const port = await freePort()
    harness = await runStack(`runners: { s: { cmd: [node, $FIXTURES/http-server.mjs, "${port}", "0", hang], ready: { http: "http://127.0.0.1:${port}/", timeout: 700ms }, restart: never } }`)
    await harness.waitForState('s.1', 'stopped', 5000)
    const reasons = harness.events.flatMap((e) => (e.kind === 'instance' && e.why?.reason ? [e.why.reason] : []))
    expect(reasons.some((r) => r.includes('no answer within') || r.includes('connection refused'))).toBe(true)
  })

  it('a program that exits during its readiness wait is crashed, not stuck', async () => {
    harness = await runStack(`runners: { s: { cmd: [node, $FIXTURES/exit-with.mjs, "4", "100"], ready: { tcp: 1, timeout: 30s }, restart: never } }`)
    await harness.waitForState('s.1', 'crashed', 5000)
    await expect(harness.proc.exited).rejects.toMatchObject({code: 'group-failed'})
  })
})

describe('liveness', () => {
  it('restarts an instance after consecutive health failures', async () => {
    harness = await runStack(`runners: { s: { cmd: "touch alive; sleep 60", health: { exec: "test -e alive", interval: 100ms, failures: 2 } } }`)
    await harness.waitForState('s.1', 'running')
    const {rmSync, existsSync} = await import('node:fs')
    const {waitFor} = await import('../helpers/wait.js')
    await waitFor('the alive file', () => existsSync(`${harness!.dir}/alive`))
    rmSync(`${harness.dir}/alive`)
    const unhealthy = await harness.waitForState('s.1', 'unhealthy', 5000)
    expect(unhealthy.why?.reason).toMatch(/^health check failed 2 times: exec "test -e alive": exit 1/)
    await waitFor('a restart', () => harness!.events.some((e) => e.kind === 'instance' && e.restarted))
  })
})
