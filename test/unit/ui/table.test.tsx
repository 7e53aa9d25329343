// The table draws only what changed: its view is text with a signature per
// row, and an equal signature draws nothing (ink-testing-library writes a
// frame on every commit, so a frame count tells whether React committed).
import {render} from 'ink-testing-library'
import React, {useState} from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {applyEvents, emptyState, tableLines, type UiState} from '../../../src/ui/state.js'
import {Table, tableView, type TableInput, type TableView} from '../../../src/ui/table.js'
import {formatAge} from '../../../src/util/format.js'
import {shopStatus} from '../../helpers/fake-api-client.js'
import {waitFor} from '../../helpers/wait.js'

const NOW = Date.parse('2026-12-04T12:00:00Z')

function input(state: UiState, over: Partial<TableInput> = {}, now = NOW): TableInput {
  return {lines: tableLines(state, {sort: 'name', desc: false, filter: '', now}), selected: 1, height: 10, width: 100, compact: false, focused: true, history: state.history, scaled: new Map(), ...over}
}

const usage = (cpu: number, memory: number) => ({kind: 'usage' as const, at: new Date(NOW).toISOString(), stacks: [{stack: 'shop', instances: [{name: 'web.1', cpu, memory}]}]})

let unmount: (() => void) | null = null
afterEach(() => {
  unmount?.()
  unmount = null
})

describe('the table', () => {
  it('uptime reads in seconds for the first minute, then minutes, hours and days', () => {
    expect([0, 59_999, 60_000, 3_599_999, 3_600_000, 5_400_000, 86_400_000, 90_000_000].map(formatAge)).toEqual(['0s', '59s', '1m', '59m', '1h', '1h30m', '1d', '1d1h'])
  })

  it('a usage sample that changes no figure shown, or a clock tick within the minute, leaves the signature as it was', () => {
    const s0 = applyEvents(emptyState(), [{kind: 'snapshot', status: shopStatus()}, usage(0, 1_500_000)], NOW)
    const s1 = applyEvents(s0, [usage(0.01, 1_500_100)], NOW + 2000)
    const a = tableView(input(s0))
    expect(tableView(input(s1, {}, NOW + 2000)).signature).toBe(a.signature)
    // A figure that shows: another signature, and only that row's.
    const b = tableView(input(applyEvents(s0, [usage(7.5, 1_500_000)], NOW)))
    expect(b.signature).not.toBe(a.signature)
    const changed = b.rows.filter((row, i) => row.signature !== a.rows[i]!.signature).map((row) => row.key)
    expect(changed).toEqual(['shop/web.1'])
    // The selection moving is a change of the two rows involved.
    const moved = tableView(input(s0, {selected: 2}))
    expect(moved.rows.filter((row, i) => row.signature !== a.rows[i]!.signature).length).toBe(2)
  })

  it('given an equal view it commits nothing (no frame); a changed one it draws', async () => {
    // As in the app, the view changes through a component's state (a root re-render would always commit).
    let setView: (view: TableView) => void = () => {}
    function Holder(props: {initial: TableView}) {
      const [view, set] = useState(props.initial)
      setView = set
      return <Table view={view} color={false} />
    }
    const s0 = applyEvents(emptyState(), [{kind: 'snapshot', status: shopStatus()}, usage(0, 1_500_000)], NOW)
    const r = render(<Holder initial={tableView(input(s0))} />)
    unmount = r.unmount
    await waitFor('the first frame', () => (r.lastFrame() ?? '').includes('web.1'))
    const frames = r.frames.length
    // Each equal view on its own turn: set together, React would batch them into one commit with the change below,
    // and an unmemoised table would pass as well. A macrotask later, whatever a commit would draw is drawn.
    const turn = () => new Promise((resolve) => setTimeout(resolve, 0))
    setView(tableView(input(applyEvents(s0, [usage(0.02, 1_500_010)], NOW))))
    await turn()
    setView(tableView(input(applyEvents(s0, [usage(0.01, 1_500_020)], NOW + 3000), {}, NOW + 3000)))
    await turn()
    expect(r.frames.length).toBe(frames)
    setView(tableView(input(applyEvents(s0, [usage(9.5, 1_500_000)], NOW))))
    await waitFor('the changed figure', () => (r.lastFrame() ?? '').includes('9.5%'))
    expect(r.frames.length).toBe(frames + 1)
  })
})
