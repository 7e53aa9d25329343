// A port another program holds: the instance that wants it fails with the
// holder named, and a readiness probe answered by somebody else's server
// does not make an instance ready.
import {spawn, type ChildProcess} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {instance} from '../helpers/daemon.js'
import {stackTests} from '../helpers/stack-tests.js'
import {freePort, killQuietly, waitFor} from '../helpers/wait.js'
import {canBind} from '../../src/supervisor/ports.js'

const t = stackTests()

/** Another program listening on `port` and answering every request: what a leftover dev server looks like. */
async function squatter(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`], {stdio: 'ignore'})
  t.defer(() => killQuietly(child.pid!))
  await waitFor('the squatter to listen', async () => !(await canBind(port)))
  return child
}

const setup = (yaml: string) => t.setup(yaml)

describe('ports', () => {
  it('an instance whose port another program holds fails with the holder named, and up exits 1', async () => {
    const port = await freePort()
    const other = await squatter(port)
    const server = `node -e "require('http').createServer((q,s)=>s.end('mine')).listen(+process.env.PORT,'127.0.0.1')"`
    const {home, dir} = setup(`name: taken\nrunners:\n  web: { cmd: ${JSON.stringify(server)}, port: ${port}, ready: { http: "http://127.0.0.1:\${PORT}/" } }\n`)
    const up = await home.mar(['up', '--timeout', '20s'], {cwd: dir})
    expect(up.code).toBe(1)
    expect(up.stderr).toContain(`port ${port} is in use by pid ${other.pid} (node)`)
    expect(up.stdout).not.toContain('✓ taken')
    const web = instance(await home.status(), 'taken', 'web.1')
    expect(web.reasonCode).toBe('port-in-use')
    expect(web.reason).toBe(`port ${port} is in use by pid ${other.pid} (node)`)
    expect(web.pid).toBeNull()
  })

  it("a readiness probe answered by somebody else's server does not count", async () => {
    const port = await freePort()
    const other = await squatter(port)
    const {home, dir} = setup(`name: liar\nrunners:\n  web: { cmd: "sleep 300", ready: { tcp: ${port}, interval: 50ms, timeout: 1s } }\n`)
    const up = await home.mar(['up', '--timeout', '20s'], {cwd: dir})
    expect(up.code).toBe(1)
    expect(up.stderr).toContain(`tcp 127.0.0.1:${port} answered, but port ${port} is in use by pid ${other.pid} (node), not by this instance`)
    expect(instance(await home.status(), 'liar', 'web.1').state).not.toBe('ready')
  })

  it('an instance that listens on its own port is ready as before', async () => {
    const port = await freePort()
    const server = `node -e "require('http').createServer((q,s)=>s.end('mine')).listen(+process.env.PORT,'127.0.0.1')"`
    const {home, dir} = setup(`name: own\nrunners:\n  web: { cmd: ${JSON.stringify(server)}, port: ${port}, ready: { http: "http://127.0.0.1:\${PORT}/", interval: 50ms } }\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    expect(instance(await home.status(), 'own', 'web.1').state).toBe('ready')
  })
})
