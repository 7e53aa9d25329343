// Per-instance CPU and memory as `mar status` shows them: sampled from
// /proc over the instance's whole process group, CPU as a rate between two
// samples. Real processes: a busy loop with a sleeping grandchild, and an
// idle one.
import {spawn, type ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'
import {UsageSampler, type Sampled} from '../../src/daemon/usage.js'
import {killQuietly, waitFor} from '../helpers/wait.js'

const started: ChildProcess[] = []
afterEach(() => {
  for (const child of started.splice(0)) killQuietly(-child.pid!)
})

/** A process group led by `script` run with node, as the daemon starts an instance (detached). */
function group(script: string): Sampled & {child: ChildProcess} {
  const child = spawn(process.execPath, ['-e', script], {detached: true, stdio: 'ignore'})
  started.push(child)
  return {key: `k${child.pid}`, pid: child.pid!, child}
}

describe('UsageSampler', () => {
  it('reports a busy group near one core and an idle one near zero, memory summed over the group', async () => {
    const busy = group("require('child_process').spawn('sleep', ['300'], {stdio: 'ignore'}); for (;;) {}")
    const idle = group('setInterval(() => {}, 1 << 30)')
    const sampler = new UsageSampler(() => [busy, idle])
    await waitFor('both programs running', () => {
      sampler.sample()
      return (sampler.get(busy.key)?.memory ?? 0) > 10_000_000 && (sampler.get(idle.key)?.memory ?? 0) > 10_000_000
    })
    // Rates between two samples a little apart: the busy loop uses a whole core, the idle one nothing.
    // (The idle program uses some CPU while Node starts: the same sample must show it settled.)
    await waitFor('a rate for each', () => {
      sampler.sample()
      return (sampler.get(busy.key)?.cpu ?? 0) >= 50 && (sampler.get(idle.key)?.cpu ?? 100) < 20
    }, 10_000, 200)
    expect(sampler.get(busy.key)!.cpu).toBeLessThan(150)
    // The sleeping grandchild's memory counts with its group: more than the node process alone
    // (read after the sample, so a leader still growing cannot make this pass).
    const leaderRss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${busy.pid}/status`, 'utf8'))![1]) * 1024
    await waitFor('the group counted beyond its leader', () => {
      sampler.sample()
      return sampler.get(busy.key)!.memory > leaderRss()
    })
  })

  it('forgets an instance whose processes are gone', async () => {
    const one = group('setInterval(() => {}, 1 << 30)')
    const sampler = new UsageSampler(() => [one])
    await waitFor('the program running', () => {
      sampler.sample()
      return (sampler.get(one.key)?.memory ?? 0) > 0
    })
    killQuietly(-one.pid)
    await waitFor('no memory left', () => {
      sampler.sample()
      return sampler.get(one.key)?.memory === 0
    })
    expect(sampler.get(one.key)!.cpu).toBe(0)
  })
})
