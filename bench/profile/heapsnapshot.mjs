// Reading a .heapsnapshot: retained-by-type totals (self size summed per
// constructor name), and the difference between two snapshots.
import {readFileSync} from 'node:fs'

export function summarizeSnapshot(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'))
  const fields = snapshot.snapshot.meta.node_fields
  const types = snapshot.snapshot.meta.node_types[0]
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const byName = new Map()
  let total = 0
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]]
    let name = snapshot.strings[snapshot.nodes[i + nameAt]]
    if (type !== 'object' && type !== 'closure') name = `(${type})`
    else if (type === 'closure') name = `closure ${name}`
    const size = snapshot.nodes[i + sizeAt]
    const entry = byName.get(name) ?? {count: 0, size: 0}
    entry.count++
    entry.size += size
    byName.set(name, entry)
    total += size
  }
  return {total, byName}
}

export function diffSnapshots(before, after, n = 25) {
  const rows = []
  for (const [name, entry] of after.byName) {
    const old = before.byName.get(name) ?? {count: 0, size: 0}
    rows.push({name, count: entry.count - old.count, size: entry.size - old.size})
  }
  return {total: after.total - before.total, rows: rows.sort((a, b) => b.size - a.size).slice(0, n)}
}
