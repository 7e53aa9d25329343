// Calls added to protocol 2 after it shipped (describe, clear-logs): a
// daemon (or `mar up -f`) from before answers them `bad-request` (unknown
// method), which the user should read as "restart it", not as a mistake of theirs.
import type {DaemonClient} from '../api/client.js'
import type {CallMethod, ParamsOf, ReplyOf} from '../api/protocol.js'
import {MarError} from '../util/errors.js'

export async function callNewer<M extends CallMethod>(client: DaemonClient, method: M, params: ParamsOf<M>): Promise<ReplyOf<M>> {
  try {
    return await client.call(method, params)
  } catch (error) {
    if (!(error instanceof MarError) || error.code !== 'bad-request' || !error.message.startsWith('unknown method')) throw error
    const foreground = client.peer.role === 'foreground'
    throw new MarError('protocol-mismatch', `the running ${foreground ? '`mar up -f`' : 'mar daemon'} (mar ${client.peer.version}) is older than this mar and cannot answer ${method}`, {
      hint: foreground ? 'restart that `mar up -f`' : 'restart the daemon on this version, keeping its services running: `mar daemon stop --keep && mar daemon start`',
    })
  }
}
