// The TUI's live state: one `watch` subscription (a snapshot, then events —
// never a status poll), its events batched and folded into a UiState at most
// every `renderMs`, so a burst of thousands of events costs one render, and
// a clock for uptimes. The components below decide whether anything they
// show changed; this only says when to look.
import {useEffect, useState} from 'react'
import type {DaemonClient} from '../api/client.js'
import type {WatchEvent} from '../api/protocol.js'
import {applyEvents, emptyState, onlyStack, type UiState} from './state.js'

export function useWatchState(client: Pick<DaemonClient, 'stream'>, stack: string | null, renderMs: number): {state: UiState; now: number} {
  const [state, setState] = useState<UiState>(emptyState)
  const [now, setNow] = useState(() => Date.now())
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
      setState((s) => applyEvents(s, events, at))
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
    // just moved it (the usage samples usually do).
    const tick = setInterval(() => {
      if (Date.now() - foldedAt >= 900) setNow(Date.now())
    }, 1000)
    return () => {
      if (timer) clearTimeout(timer)
      clearInterval(tick)
      handle.cancel()
    }
  }, [client, stack, renderMs])
  return {state, now}
}
