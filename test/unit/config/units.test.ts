import {describe, expect, it} from 'vitest'
import {parseDuration, parseLimit, parseSize} from '../../../src/config/units.js'
import {formatDuration} from '../../../src/util/format.js'
import {parseSignal} from '../../../src/util/signals.js'

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    [0, 0],
  ] as const)('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['30', '2 s', 's', '5d', '-1s', '', 'ms'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined()
  })

  it('rejects a bare non-zero number: the unit is ambiguous', () => {
    expect(parseDuration(30)).toBeUndefined()
  })

  it('formats back', () => {
    expect([formatDuration(250), formatDuration(1500), formatDuration(60_000), formatDuration(3_600_000)]).toEqual(['250ms', '1.5s', '1m', '1h'])
    // Exact, and read back the same: compound units, a day as d.
    expect([formatDuration(90_000), formatDuration(3_723_500), formatDuration(90_000_000), formatDuration(0)]).toEqual(['1m30s', '1h2m3.5s', '1d1h', '0'])
    for (const ms of [250, 1500, 90_000, 3_723_500, 7_200_000]) expect(parseDuration(formatDuration(ms))).toBe(ms)
  })
})

describe('sizes', () => {
  it.each([
    ['512K', 512 * 1024],
    ['256M', 256 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['1g', 1024 ** 3],
    ['2GB', 2 * 1024 ** 3],
    ['2GiB', 2 * 1024 ** 3],
    ['1.5M', 1.5 * 1024 ** 2],
    ['100', 100],
    ['100B', 100],
    [4096, 4096],
  ] as const)('%s → %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes)
  })

  it.each(['1X', 'M', '-1M', '1 0M'])('rejects %j', (text) => {
    expect(parseSize(text)).toBeUndefined()
  })
})

describe('signals and limits', () => {
  it('accepts names with or without SIG, any case, and numbers', () => {
    expect([parseSignal('SIGINT'), parseSignal('INT'), parseSignal('term'), parseSignal(9), parseSignal('15')]).toEqual(['SIGINT', 'SIGINT', 'SIGTERM', 'SIGKILL', 'SIGTERM'])
    expect(parseSignal('SIGNOPE')).toBeUndefined()
    expect(parseSignal(999)).toBeUndefined()
  })

  it('parses N/DURATION', () => {
    expect(parseLimit('5/60s')).toEqual({count: 5, windowMs: 60_000})
    expect(parseLimit('3 / 1m')).toEqual({count: 3, windowMs: 60_000})
    expect(parseLimit('5/60')).toBeUndefined()
    expect(parseLimit('5/0s')).toBeUndefined()
  })
})
