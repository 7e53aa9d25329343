// StackLogs' bookkeeping around stores that open and close concurrently.
// The stores here are fakes (FakeStore) that record what was asked of them:
// the race is in the bookkeeping, and a real store cannot be held half-open.
import {describe, expect, it} from 'vitest'
import type {InstancePlan} from '../../../src/config/types.js'
import {marPaths} from '../../../src/api/home.js'
import {StackLogs, type InstanceLogStore} from '../../../src/daemon/stack-logs.js'
import {LineBus} from '../../../src/supervisor/output.js'

class FakeStore implements InstanceLogStore {
  readonly bus = new LineBus()
  tailing = false
  private release!: () => void
  readonly opened = new Promise<void>((resolve) => (this.release = resolve))
  finishOpening(): void {
    this.release()
  }
  open(): Promise<void> {
    return this.opened
  }
  openForChild(): {stdout: number; stderr: number} {
    throw new Error('not used')
  }
  startTailing(): void {
    this.tailing = true
  }
  stopTailing(): void {
    this.tailing = false
  }
  async pump(): Promise<void> {}
  endLines(): void {}
  onStored(): () => void {
    return () => {}
  }
  ends() {
    return {stdout: 0, stderr: 0}
  }
  async close(): Promise<void> {}
}

const instance = {name: 'web.1', log: {maxSize: 1024, keep: 1}} as unknown as InstancePlan

describe('StackLogs', () => {
  it('a store closed while it was opening is not tailed, and the next store of that name is', async () => {
    const stores: FakeStore[] = []
    const logs = new StackLogs('app', {
      paths: marPaths('/nonexistent-mar-home'),
      createLogs: () => {
        stores.push(new FakeStore())
        return stores.at(-1)!
      },
      onStored: () => {},
      log: () => {},
    })
    const opening = logs.open(instance)
    await logs.close(['web.1'])
    stores[0]!.finishOpening()
    await opening
    expect(stores[0]!.tailing).toBe(false)

    // The instance comes back (a reload adds it again): its new store is opened and tailed.
    const reopening = logs.open(instance)
    expect(stores).toHaveLength(2)
    stores[1]!.finishOpening()
    await reopening
    expect(stores[1]!.tailing).toBe(true)
  })
})
