// The concurrency rule of a stack's operations (src/daemon/operation-queue.ts):
// same instances wait in arrival order, different instances interleave,
// whole-stack operations wait for everything before them and hold up
// everything after them, and a stop cancels the waits it would queue behind.
import {describe, expect, it} from 'vitest'
import {OperationQueue} from '../../../src/daemon/operation-queue.js'
import {flush} from '../../helpers/fake-clock.js'

/** An operation the test finishes by hand, recording when it began. */
function gate(log: string[], name: string) {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return {
    open,
    work: async (signal: AbortSignal) => {
      log.push(`begin ${name}`)
      await Promise.race([opened, new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), {once: true}))])
      log.push(`end ${name}`)
      return name
    },
  }
}

describe('a stack operation queue', () => {
  it('runs operations on the same instance one after another, in arrival order', async () => {
    const queue = new OperationQueue()
    const log: string[] = []
    const a = gate(log, 'a')
    const b = gate(log, 'b')
    const ra = queue.run(new Set(['web.1']), a.work)
    const rb = queue.run(new Set(['web.1', 'web.2']), b.work)
    await flush()
    expect(log).toEqual(['begin a'])
    a.open()
    await ra
    await flush()
    expect(log).toEqual(['begin a', 'end a', 'begin b'])
    b.open()
    expect(await rb).toBe('b')
  })

  it('lets operations on different instances interleave', async () => {
    const queue = new OperationQueue()
    const log: string[] = []
    const a = gate(log, 'a')
    const b = gate(log, 'b')
    const ra = queue.run(new Set(['web.1']), a.work)
    const rb = queue.run(new Set(['worker.1']), b.work)
    await flush()
    expect(log).toEqual(['begin a', 'begin b'])
    b.open()
    await rb
    expect(log).toEqual(['begin a', 'begin b', 'end b'])
    a.open()
    await ra
  })

  it('a whole-stack operation (reload) waits for those in flight, and later ones wait for it', async () => {
    const queue = new OperationQueue()
    const log: string[] = []
    const restart = gate(log, 'restart web.1')
    const reload = gate(log, 'reload')
    const stop = gate(log, 'stop worker.1')
    const r1 = queue.run(new Set(['web.1']), restart.work)
    const r2 = queue.run('stack', reload.work)
    const r3 = queue.run(new Set(['worker.1']), stop.work)
    await flush()
    expect(log).toEqual(['begin restart web.1'])
    restart.open()
    await r1
    await flush()
    expect(log).toEqual(['begin restart web.1', 'end restart web.1', 'begin reload'])
    reload.open()
    await r2
    await flush()
    expect(log.at(-1)).toBe('begin stop worker.1')
    stop.open()
    await r3
  })

  it('a stop cancels the earlier operations on its instances instead of waiting for them, then runs', async () => {
    const queue = new OperationQueue()
    const log: string[] = []
    const restart = gate(log, 'restart')
    const other = gate(log, 'other')
    const stop = gate(log, 'stop')
    const restarting = queue.run(new Set(['web.1']), restart.work)
    const unrelated = queue.run(new Set(['worker.1']), other.work)
    await flush()
    const stopping = queue.run(new Set(['web.1']), stop.work, {preempt: true, label: 'mar stop'})
    await expect(restarting).rejects.toMatchObject({code: 'cancelled', message: 'cancelled by mar stop'})
    await flush()
    expect(log).toEqual(['begin restart', 'begin other', 'begin stop'])
    stop.open()
    other.open()
    await Promise.all([stopping, unrelated])
  })

  it('a failing operation still lets the next one run; idle() waits for all', async () => {
    const queue = new OperationQueue()
    const failing = queue.run('stack', async () => {
      throw new Error('boom')
    })
    const next = queue.run('stack', async () => 'ran')
    await expect(failing).rejects.toThrow('boom')
    expect(await next).toBe('ran')
    await queue.idle()
    expect(queue.size).toBe(0)
  })
})
