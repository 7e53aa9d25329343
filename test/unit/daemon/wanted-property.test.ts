// One source of truth for "wanted": over random sequences of stop, start
// and restart (fast-check), what the daemon runs, what it holds stopped and
// what its stack file says — what a daemon after a kill -9 would bring back —
// all agree with a model where stop unwants and start or restart wants.
import fc from 'fast-check'
import {afterEach, describe, expect, it} from 'vitest'
import {StackStore} from '../../../src/daemon/stack-store.js'
import {fakeDaemon, fakePlan, type FakeDaemon} from '../../helpers/fake-daemon.js'
import {deadline} from '../../helpers/deadline.js'

let f: FakeDaemon | undefined
afterEach(async () => {
  await f?.cleanup()
  f = undefined
})

const instances = ['web.1', 'web.2', 'worker.1']
const targets = ['web', 'web.1', 'web.2', 'worker', 'worker.1', 'app']
const operation = fc.record({op: fc.constantFrom('stop', 'start', 'restart'), target: fc.constantFrom(...targets)})
const named = (target: string) => instances.filter((i) => i === target || i.startsWith(`${target}.`) || target === 'app')

describe('wanted, over random sequences', () => {
  it('running, held stopped and the stack file agree with the model after every step (300 sequences)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, {minLength: 1, maxLength: 12}), async (ops) => {
        f = fakeDaemon()
        try {
          await f.daemon.up(fakePlan('shop', {app: {runners: {web: {scale: 2}, worker: {}}}}), [])
          const wanted = new Set(instances)
          for (const {op, target} of ops) {
            const done = op === 'stop' ? f.daemon.stop({name: 'shop'}, [target]) : op === 'start' ? f.daemon.start({name: 'shop'}, [target]) : f.daemon.restart({name: 'shop'}, [target])
            for (let i = 0; i < 20; i++) await f.clock.advance(1000)
            await done
            for (const name of named(target)) (op === 'stop' ? wanted.delete(name) : wanted.add(name))
            const runtime = f.daemon.runtime('shop')!
            const running = f.fleet.runningNames().sort()
            expect(running).toEqual([...wanted].sort())
            expect(runtime.heldNames().sort()).toEqual(instances.filter((i) => !wanted.has(i)).sort())
            // What a daemon started after a kill -9 reads back.
            const stored = new StackStore(f.daemon.deps.paths.stacks).loadAll().stacks.find((s) => s.plan.name === 'shop')!
            expect([...stored.stopped].sort()).toEqual(instances.filter((i) => !wanted.has(i)).sort())
          }
        } finally {
          await f.cleanup()
          f = undefined
        }
      }),
      {numRuns: 300},
    )
  }, deadline(120_000))
})
