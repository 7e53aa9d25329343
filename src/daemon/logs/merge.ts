// Interleaving lines of several streams and instances by time. Each list is
// already in time order; merging from the back takes only the last `limit`
// and keeps every list's own order even where its clock stepped back.

/** Merge by time, stable (ties keep the earlier list first), keeping the last `limit`. */
export function mergeByTime<T extends {time: number}>(lists: T[][], limit = Number.POSITIVE_INFINITY): T[] {
  const next = lists.map((list) => list.length - 1)
  // Max-heap of list numbers by (time of its last untaken item, list number).
  const heap: number[] = []
  const later = (a: number, b: number) => {
    const [ta, tb] = [lists[a]![next[a]!]!.time, lists[b]![next[b]!]!.time]
    return ta > tb || (ta === tb && a > b)
  }
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!later(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }
  const down = (i: number) => {
    for (;;) {
      const [left, right] = [2 * i + 1, 2 * i + 2]
      let top = i
      if (left < heap.length && later(heap[left]!, heap[top]!)) top = left
      if (right < heap.length && later(heap[right]!, heap[top]!)) top = right
      if (top === i) return
      ;[heap[i], heap[top]] = [heap[top]!, heap[i]!]
      i = top
    }
  }
  lists.forEach((list, i) => {
    if (list.length > 0) {
      heap.push(i)
      up(heap.length - 1)
    }
  })
  const out: T[] = []
  while (heap.length > 0 && out.length < limit) {
    const list = heap[0]!
    out.push(lists[list]![next[list]!]!)
    next[list]!--
    if (next[list]! < 0) {
      heap[0] = heap.at(-1)!
      heap.pop()
    }
    if (heap.length > 0) down(0)
  }
  return out.reverse()
}
