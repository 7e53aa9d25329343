import type {NotifyMessage, NotifySocket} from '../notify-socket.js'
import type {Check} from './check.js'

/**
 * Ready on READY=1; as a liveness check, passes when a WATCHDOG=1 (or
 * READY=1) arrived since the last check. Other messages go to `onMessage`.
 */
export function notifyCheck(socket: NotifySocket, now: () => number, onMessage: (message: NotifyMessage) => void): Check {
  let readyAt = -1
  let lastBeat = -1
  const waiters = new Set<() => void>()
  let unsubscribe: (() => void) | undefined
  return {
    describe: () => 'notify (READY=1)',
    async prepare() {
      socket.open()
      unsubscribe = socket.onMessage((message) => {
        if (message.ready) readyAt = now()
        if (message.ready || message.watchdog) lastBeat = now()
        onMessage(message)
        if (message.ready) for (const wake of waiters) wake()
      })
    },
    passedSince: (since) => lastBeat >= since,
    waitPass(signal) {
      if (readyAt >= 0) return Promise.resolve()
      return new Promise((resolve) => {
        const wake = () => {
          waiters.delete(wake)
          resolve()
        }
        waiters.add(wake)
        signal.addEventListener('abort', wake, {once: true})
      })
    },
    dispose() {
      unsubscribe?.()
      socket.close()
    },
  }
}
