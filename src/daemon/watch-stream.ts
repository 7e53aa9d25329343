// `watch`: a snapshot of everything, then every change as it happens (and,
// when asked, CPU and memory at the sampler's interval). A watcher that
// reads too slowly is not buffered for without bound: past a backlog its
// events are dropped, it is told how many (`lagged`), and once it has
// caught up it gets a fresh snapshot to resync from.
import type {ParamsOf, WatchEvent} from '../api/protocol.js'
import type {Stream} from './handlers.js'
import type {Session} from './session.js'

/** A watcher whose unsent replies exceed this is lagging: its events are dropped until it catches up. */
export const MAX_WATCH_BACKLOG = 8 * 1024 * 1024

export function openWatch(session: Session, id: number, params: ParamsOf<'watch'>, onDone: () => void): Stream {
  const item = (event: WatchEvent) => session.send({id, type: 'item', item: event})
  let dropped = 0
  let ended = false
  const resync = () => {
    if (ended || session.isClosed) return
    item({kind: 'lagged', dropped})
    dropped = 0
    item({kind: 'snapshot', status: session.daemon.status()})
  }
  item({kind: 'snapshot', status: session.daemon.status()})
  const unsubscribe = session.daemon.subscribe((event) => {
    if (dropped > 0) {
      dropped++
      return
    }
    if (session.backlog > MAX_WATCH_BACKLOG) {
      dropped = 1
      void session.whenDrained().then(resync)
      return
    }
    item(event)
  }, params)
  const finish = () => {
    if (ended) return
    ended = true
    unsubscribe()
    onDone()
  }
  return {
    cancel: () => {
      if (ended) return
      session.send({id, type: 'end', data: null})
      finish()
    },
    close: async (message) => {
      if (ended) return
      session.send({id, type: 'notice', notice: {code: 'daemon-stopped', message}})
      session.send({id, type: 'end', data: null})
      finish()
    },
  }
}
