// The TUI's live state: one `watch` subscription (a snapshot, then events —
// never a status poll), its events batched and folded into a UiState at most
// every `renderMs`, so a burst of thousands of events costs one render, and
// a clock for uptimes. The components below decide whether anything they
// show changed; this only says when to look.
import {useEffect, useRef, useState} from 'react'
import type {DaemonClient} from '../api/client.js'
import type {WatchEvent} from '../api/protocol.js'
import {applyEvents, clockChangesTable, emptyState, onlyStack, type UiState} from './state.js'

/**
 * `everySecond`: the clock moves the screen every second whatever the table shows (a view with
 * times of its own is open, e.g. the details' "ago"); otherwise only when the table's uptimes
 * or countdowns would change.
 */
export function useWatchState(client: Pick<DaemonClient, 'stream'>, stack: string | null, renderMs: number, everySecond = false): {state: UiState; now: number} {
  const [state, setState] = useState<UiState>(emptyState)
  const [now, setNow] = useState(() => Date.now())
  const latest = useRef({state, now, everySecond})
  latest.current.everySecond = everySecond
  useEffect(() => {
    let queue: WatchEvent[] = []
    let timer: NodeJS.Timeout | null = null
    let foldedAt = 0
    const flush = () => {
      timer = null
      const events = queue
      queue = []
      const at = Date.now()
      foldedAt = at
      latest.current.state = applyEvents(latest.current.state, events, at)
      latest.current.now = at
      setState(latest.current.state)
      setNow(at)
    }
    const handle = client.stream('watch', {usage: true}, {
      item: (all) => {
        const event = onlyStack(all, stack)
        if (!event) return
        queue.push(event)
        // The first snapshot is drawn at once; later events wait for the next frame.
        if (event.kind === 'snapshot' && !timer) flush()
        else timer ??= setTimeout(flush, renderMs)
      },
    })
    handle.done.catch(() => {}) // a lost connection is run-ui's to report
    // Uptimes and "restarting in 2s" move with the clock: look once a second, unless events
    // just moved it (the usage samples usually do) or the clock changes nothing shown — an idle
    // screen of long-running instances is then not even rendered, let alone drawn.
    const tick = setInterval(() => {
      const at = Date.now()
      if (at - foldedAt < 900) return
      const {state, now, everySecond} = latest.current
      if (!everySecond && !clockChangesTable(state, now, at)) return
      latest.current.now = at
      setNow(at)
    }, 1000)
    return () => {
      if (timer) clearTimeout(timer)
      clearInterval(tick)
      handle.cancel()
    }
  }, [client, stack, renderMs])
  return {state, now}
}
