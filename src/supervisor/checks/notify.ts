import type {NotifyMessage, NotifySocket} from '../notify-socket.js'
import type {Check} from './check.js'
import {EventLatch} from './event-latch.js'

/**
 * Ready on READY=1; as a liveness check, passes when a WATCHDOG=1 (or
 * READY=1) arrived since the last check. Other messages go to `onMessage`.
 */
export function notifyCheck(socket: NotifySocket, now: () => number, onMessage: (message: NotifyMessage) => void): Check {
  const ready = new EventLatch()
  const heartbeat = new EventLatch()
  let unsubscribe: (() => void) | undefined
  return {
    describe: () => 'notify (READY=1)',
    async prepare() {
      socket.open()
      unsubscribe = socket.onMessage((message) => {
        if (message.ready || message.watchdog) heartbeat.fire(now())
        onMessage(message)
        if (message.ready) ready.fire(now())
      })
    },
    passedSince: (since) => heartbeat.firedSince(since),
    waitPass: (signal) => ready.wait(signal),
    dispose() {
      unsubscribe?.()
      socket.close()
    },
  }
}
