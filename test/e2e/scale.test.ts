// `scale` for this session (the TUI's + and -): new instances planned from
// the file with their own PORT, removed ones stopped, the others untouched.
import {describe, expect, it} from 'vitest'
import {marPaths} from '../../src/api/home.js'
import {connectSocket} from '../../src/api/transports.js'
import {instance} from '../helpers/daemon.js'
import {stackTests} from '../helpers/stack-tests.js'
import {freePort, waitFor} from '../helpers/wait.js'
import {deadline} from '../helpers/deadline.js'

const t = stackTests()

describe('scale for this session', () => {
  it('adds web.2 and web.3 with their own PORT from the file, then takes them away; web.1 runs on', async () => {
    const port = await freePort()
    const {home, dir} = t.setup(`name: scaled\nrunners:\n  web:\n    cmd: "echo listening on $PORT as $MAR_INSTANCE; exec sleep 300"\n    port: ${port}\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const web1 = instance(await home.status(), 'scaled', 'web.1')
    const client = await connectSocket(marPaths(home.home).socket)
    try {
      const up = await client.call('scale', {stack: {name: 'scaled'}, runner: 'web', scale: 3})
      expect(up.changes.map((c) => [c.instance, c.change])).toEqual([['web.2', 'added'], ['web.3', 'added']])
      await waitFor('web.3 says its port', async () => (await home.mar(['logs', 'web.3', '--no-color'], {cwd: dir})).stdout.includes(`listening on ${port + 2} as 3`), 15_000, 100)
      expect(instance(await home.status(), 'scaled', 'web.1').pid).toBe(web1.pid)
      const down = await client.call('scale', {stack: {name: 'scaled'}, runner: 'web', scale: 1})
      expect(down.changes.map((c) => [c.instance, c.change])).toEqual([['web.2', 'removed'], ['web.3', 'removed']])
      expect((await home.status()).stacks[0]!.instances.map((i) => i.name)).toEqual(['web.1'])
      expect(instance(await home.status(), 'scaled', 'web.1').pid).toBe(web1.pid)
      await expect(client.call('scale', {stack: {name: 'scaled'}, runner: 'nope', scale: 2})).rejects.toThrow(/no runner nope/)
    } finally {
      client.close()
    }
  }, deadline(60_000))
})
