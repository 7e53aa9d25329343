import {describe, expect, it} from 'vitest'
import {backoffDelay, recoveryTime, withinLimit} from '../../../src/supervisor/backoff.js'
import {decideRestart} from '../../../src/supervisor/restart-decision.js'
import type {RestartSpec} from '../../../src/config/types.js'

const spec = {initialMs: 100, maxMs: 30_000, factor: 2}
const noJitter = () => 0

describe('backoffDelay', () => {
  it('doubles from initial and caps at max', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => backoffDelay(n, spec, noJitter))
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000])
  })

  it('takes off at most 20% as jitter and never exceeds the cap', () => {
    expect(backoffDelay(3, spec, () => 1)).toBe(320)
    expect(backoffDelay(20, spec, () => 0.5)).toBe(27000)
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(1 + (i % 15), spec)
      expect(d).toBeLessThanOrEqual(30_000)
      expect(d).toBeGreaterThanOrEqual(80)
    }
  })

  it('is zero for a zero initial delay', () => {
    expect(backoffDelay(5, {initialMs: 0, maxMs: 0, factor: 2})).toBe(0)
  })

  it('counts restarts within the window only', () => {
    const limit = {count: 3, windowMs: 60_000}
    expect(withinLimit([0, 1000, 2000], 3000, limit)).toBe(false)
    expect(withinLimit([0, 1000, 2000], 60_500, limit)).toBe(true)
    expect(withinLimit([1, 2, 3, 4, 5], 6, undefined)).toBe(true)
  })

  it('considers an instance recovered after max(10s, backoff max) capped at 60s', () => {
    expect(recoveryTime(spec)).toBe(30_000)
    expect(recoveryTime({...spec, maxMs: 1000})).toBe(10_000)
    expect(recoveryTime({...spec, maxMs: 600_000})).toBe(60_000)
  })
})

describe('decideRestart', () => {
  const base = {
    consecutiveFailures: 0,
    uptimeMs: 5,
    now: 100_000,
    instanceRestarts: [] as number[],
    groupRestarts: [] as number[],
    random: noJitter,
  }
  const policy = (p: RestartSpec['policy'], limit?: RestartSpec['limit']): RestartSpec => ({policy: p, backoff: spec, limit})

  it('treats a oneshot exit 0 as done under every policy', () => {
    for (const p of ['always', 'on-failure', 'never'] as const) {
      expect(decideRestart({...base, restart: policy(p), oneshot: true, succeeded: true})).toEqual({action: 'done'})
    }
  })

  it('fails a permanent failure at once under every policy, before any limit or backoff', () => {
    for (const p of ['always', 'on-failure', 'never'] as const) {
      expect(decideRestart({...base, restart: policy(p), oneshot: false, succeeded: false, permanent: true})).toEqual({action: 'fail'})
    }
  })

  it('restarts a service that exits 0 only under always', () => {
    expect(decideRestart({...base, restart: policy('always'), oneshot: false, succeeded: true}).action).toBe('restart')
    expect(decideRestart({...base, restart: policy('on-failure'), oneshot: false, succeeded: true}).action).toBe('done')
    expect(decideRestart({...base, restart: policy('never'), oneshot: false, succeeded: true}).action).toBe('done')
  })

  it('leaves a failure alone under never', () => {
    expect(decideRestart({...base, restart: policy('never'), oneshot: false, succeeded: false})).toEqual({action: 'leave'})
  })

  it('backs off by consecutive failures and resets after a long run', () => {
    const crash = {...base, restart: policy('on-failure'), oneshot: false, succeeded: false}
    expect(decideRestart({...crash, consecutiveFailures: 3})).toEqual({action: 'restart', attempt: 4, delayMs: 800})
    expect(decideRestart({...crash, consecutiveFailures: 3, uptimeMs: 31_000})).toEqual({action: 'restart', attempt: 1, delayMs: 100})
  })

  it('gives up when the instance limit is spent, then when the group limit is', () => {
    const crash = {...base, oneshot: false, succeeded: false}
    const instance = decideRestart({...crash, restart: policy('always', {count: 2, windowMs: 60_000}), instanceRestarts: [99_000, 99_500]})
    expect(instance).toMatchObject({action: 'give-up', scope: 'instance', reason: 'restart limit 2/1m reached'})
    const group = decideRestart({...crash, restart: policy('always'), groupRestarts: [99_000], groupLimit: {count: 1, windowMs: 5000}})
    expect(group).toMatchObject({action: 'give-up', scope: 'group', reason: 'group restart limit 1/5s reached'})
  })
})
