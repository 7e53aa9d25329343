// A host whose daemon is another version of mar (an older agent still
// running after the hub was upgraded) is handed over the way a local
// upgrade is: the old daemon is told `daemon stop --keep`, which leaves its
// services running, and the next dial starts this version's agent, which
// adopts them. No service restarts.
import type {DaemonClient} from '../api/client.js'
import type {Dial} from './host-link.js'

/** How long the old daemon gets to hand over before the dial gives up on this attempt. */
const HANDOVER_MS = 30_000

export function withCurrentAgent(dial: Dial, version: string, log: (message: string) => void = () => {}): Dial {
  return async () => {
    const client = await dial()
    const info = await client.call('ping', {})
    if (info.version === version) return client
    log(`host daemon ${info.pid} runs mar ${info.version}: handing its services over to ${version}`)
    await stopKeeping(client)
    const next = await dial()
    const fresh = await next.call('ping', {})
    if (fresh.version !== version) {
      next.close()
      throw new Error(`the host still runs mar ${fresh.version} after the hand-over to ${version}`)
    }
    return next
  }
}

async function stopKeeping(client: DaemonClient): Promise<void> {
  const closed = new Promise<void>((resolve) => client.onClose(() => resolve()))
  await client.call('daemon-stop', {keep: true})
  let timer: NodeJS.Timeout | undefined
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, HANDOVER_MS)))])
  clearTimeout(timer)
  client.close()
}
