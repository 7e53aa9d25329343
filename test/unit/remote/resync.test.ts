// Log catch-up after a cut, at every point of a scripted session: a hub and
// a host in one process (fake programs, real log stores), the host's
// program writing numbered lines, the link cut before the hub saw a batch,
// while it was taking it in, and after — and healed each time. The hub must
// end with every line once, in order: the share resumes after the last
// cursor it took in.
import {afterEach, describe, expect, it} from 'vitest'
import type {LogLine} from '../../../src/api/protocol.js'
import {fakeCluster, type FakeCluster} from '../../helpers/fake-cluster.js'
import {fakePlan} from '../../helpers/fake-daemon.js'
import {deadline} from '../../helpers/deadline.js'

let cluster: FakeCluster | undefined
afterEach(async () => {
  await cluster?.cleanup()
  cluster = undefined
})

/** Fake time for the supervisors, real time for the log files' tailers: both move until `condition` holds. */
async function settle(c: FakeCluster, what: string, condition: () => boolean | Promise<boolean>, realMs = 20_000): Promise<void> {
  const deadline = Date.now() + realMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (hub has ${(await hubLines(c)).length} lines, host ${(await hubLines(c, c.hosts.h1!)).length}; host has ${c.hosts.h1!.daemon.status().stacks.length} stacks; hosts ${JSON.stringify(c.hub.daemon.status().hosts.map((h) => [h.name, h.state, h.reason]))})`)
    await c.clock.advance(10)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function hubLines(c: FakeCluster, d: FakeCluster['hub'] = c.hub): Promise<string[]> {
  const client = await d.connect()
  const lines: string[] = []
  await client.stream('logs', {stack: {name: 's'}, targets: [], lines: 1_000_000, follow: false}, {item: (line: LogLine) => void lines.push(line.line)}).done
  client.close()
  return lines
}

describe('log catch-up across cuts', () => {
  it('a cut before, during and after each batch: the hub ends with every line once, in order', async () => {
    const c = (cluster = fakeCluster(['h1'], {realLogs: true}))
    void c.hub.daemon.up(fakePlan('s', {g: {runners: {w: {hosts: ['h1']}}}}), [])
    const hubState = () => c.hub.daemon.status().stacks[0]?.instances[0]
    await settle(c, 'w.1 running on h1, seen by the hub', () => c.hosts.h1!.fleet.isRunning('w.1') && hubState()?.state === 'running')
    let written = 0
    let lastSeen = 0
    const seen = async () => {
      const lines = await hubLines(c)
      lastSeen = lines.length
      return lines.length
    }
    for (let batch = 0; batch < 9; batch++) {
      const from = written
      for (let k = 0; k < 40; k++) c.hosts.h1!.write('w.1', `line ${++written}`)
      const point = batch % 3
      if (point === 1) await settle(c, 'part of the batch in the hub', async () => (await seen()) > from)
      if (point === 2) await settle(c, 'the whole batch in the hub', async () => (await seen()) === written)
      c.cut('h1')
      await settle(c, 'the host unreachable', () => hubState()?.reasonCode === 'host-unreachable')
      c.heal('h1')
      await settle(c, 'the host back', () => c.hub.daemon.status().hosts.find((h) => h.name === 'h1')?.state === 'up')
    }
    await settle(c, `all ${written} lines in the hub (${lastSeen} so far)`, async () => (await seen()) >= written)
    const lines = await hubLines(c)
    expect(lines).toEqual(Array.from({length: written}, (_, i) => `line ${i + 1}`))
    // The program never noticed: one run, no restart.
    expect(c.hosts.h1!.fleet.runsOf('w.1')).toHaveLength(1)
  }, deadline(60_000))
})
