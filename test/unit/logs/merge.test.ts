import {describe, expect, it} from 'vitest'
import {mergeByTime} from '../../../src/daemon/logs/index.js'

const item = (time: number, tag: string) => ({time, tag})
const tags = (items: Array<{tag: string}>) => items.map((i) => i.tag)

describe('mergeByTime', () => {
  it('interleaves by time; ties keep list order', () => {
    const a = [item(1, 'a1'), item(3, 'a3'), item(5, 'a5')]
    const b = [item(2, 'b2'), item(3, 'b3'), item(6, 'b6')]
    const c = [item(3, 'c3')]
    expect(tags(mergeByTime([a, b, c]))).toEqual(['a1', 'b2', 'a3', 'b3', 'c3', 'a5', 'b6'])
  })

  it('keeps the last `limit`', () => {
    const a = [item(1, 'a1'), item(4, 'a4')]
    const b = [item(2, 'b2'), item(3, 'b3')]
    expect(tags(mergeByTime([a, b], 3))).toEqual(['b2', 'b3', 'a4'])
    expect(mergeByTime([a, b], 0)).toEqual([])
  })

  it('keeps each list in its own order even when its clock stepped back', () => {
    const a = [item(5, 'a5'), item(1, 'a1')]
    const b = [item(3, 'b3')]
    const merged = tags(mergeByTime([a, b]))
    expect(merged.indexOf('a5')).toBeLessThan(merged.indexOf('a1'))
    expect(merged).toHaveLength(3)
  })

  it('handles empty input', () => {
    expect(mergeByTime([])).toEqual([])
    expect(mergeByTime([[], []], 10)).toEqual([])
  })

  it('matches a stable sort on many random lists', () => {
    for (let round = 0; round < 50; round++) {
      const lists = Array.from({length: 1 + (round % 7)}, (_, l) =>
        Array.from({length: Math.floor(Math.random() * 30)}, () => Math.floor(Math.random() * 20))
          .sort((x, y) => x - y)
          .map((time, i) => item(time, `${l}.${i}`)),
      )
      const expected = lists.flatMap((list, l) => list.map((it) => ({...it, l}))).sort((x, y) => x.time - y.time || x.l - y.l)
      const limit = Math.floor(Math.random() * 40)
      expect(tags(mergeByTime(lists, limit))).toEqual(tags(expected.slice(Math.max(0, expected.length - limit))))
    }
  })
})
