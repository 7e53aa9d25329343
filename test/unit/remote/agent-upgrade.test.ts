// A host daemon of another version hands over before this version's agent
// is used. The clients here are fakes (a ping and a daemon-stop that
// closes): two versions of the agent cannot both be built in a test run.
import {describe, expect, it} from 'vitest'
import type {DaemonClient} from '../../../src/api/client.js'
import {withCurrentAgent} from '../../../src/remote/agent-upgrade.js'

/** A fake client of a daemon of `version`: answers ping, and daemon-stop by closing. */
function fakeClient(version: string, calls: string[]): DaemonClient {
  const closers: Array<() => void> = []
  return {
    call: async (method: string, params: unknown) => {
      calls.push(`${version} ${method}${method === 'daemon-stop' ? ` ${JSON.stringify(params)}` : ''}`)
      if (method === 'ping') return {version, pid: 1}
      if (method === 'daemon-stop') {
        setImmediate(() => closers.forEach((c) => c()))
        return {stopping: true, keep: true}
      }
      throw new Error(`unexpected ${method}`)
    },
    onClose: (listener: () => void) => void closers.push(listener),
    close: () => calls.push(`${version} close`),
  } as unknown as DaemonClient
}

describe('withCurrentAgent', () => {
  it('uses a daemon of this version as it is', async () => {
    const calls: string[] = []
    const client = await withCurrentAgent(async () => fakeClient('2.0.0', calls), '2.0.0')()
    expect(calls).toEqual(['2.0.0 ping'])
    expect(client).toBeDefined()
  })

  it('tells an older daemon to stop keeping its services, then dials the new one', async () => {
    const calls: string[] = []
    const versions = ['1.9.0', '2.0.0']
    await withCurrentAgent(async () => fakeClient(versions.shift()!, calls), '2.0.0')()
    expect(calls).toEqual(['1.9.0 ping', '1.9.0 daemon-stop {"keep":true}', '1.9.0 close', '2.0.0 ping'])
  })

  it('fails when the host still runs the other version after the hand-over', async () => {
    const calls: string[] = []
    await expect(withCurrentAgent(async () => fakeClient('1.9.0', calls), '2.0.0')()).rejects.toThrow(/still runs mar 1\.9\.0 after the hand-over to 2\.0\.0/)
  })
})
