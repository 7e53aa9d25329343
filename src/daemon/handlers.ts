// What the daemon does for each request of the protocol's map: one typed
// handler per method, checked against protocol.ts by the compiler, so a
// reply can only be what the map says it is.
import type {CallMethod, ParamsOf, ReplyOf, RequestFrame, StreamMethod} from '../api/protocol.js'
import {requireSignal} from '../api/signals.js'
import {checkPlan} from './check-plan.js'
import {streamLogs} from './log-stream.js'
import type {Session} from './session.js'
import {openWatch} from './watch-stream.js'

/** A request whose replies stream until it ends or is cancelled. */
export interface Stream {
  cancel(): void
  /** The daemon is stopping: send what is due, a notice, then end. `programsEnded`: not with --keep. */
  close(message: string, programsEnded: boolean): Promise<void>
}

type CallHandlers = {[M in Exclude<CallMethod, 'cancel'>]: (params: ParamsOf<M>, session: Session) => Promise<ReplyOf<M>>}

export const callHandlers: CallHandlers = {
  ping: async (_params, session) => session.daemon.info(),
  status: async (_params, session) => session.daemon.status(),
  up: async (params, session) => session.daemon.up(checkPlan(params.plan), params.targets, params.held),
  reload: async (params, session) => session.daemon.reload(checkPlan(params.plan), params.dryRun),
  down: (params, session) => session.daemon.down(params.stack, params.targets, params.keep ?? false),
  start: (params, session) => session.daemon.start(params.stack, params.targets),
  stop: (params, session) => session.daemon.stop(params.stack, params.targets),
  restart: (params, session) => session.daemon.restart(params.stack, params.targets),
  signal: async (params, session) => session.daemon.signal(params.stack, params.targets, requireSignal(params.signal)),
  describe: async (params, session) => session.daemon.describe(params.stack, params.target),
  scale: (params, session) => session.daemon.scale(params.stack, params.runner, params.scale),
  'clear-logs': (params, session) => session.daemon.clearLogs(params.stack),
  'daemon-stop': async (params, session) => {
    // Answered first: the stop ends this connection too.
    setImmediate(() => session.host.onStopRequested(params.keep))
    return {stopping: true, keep: params.keep}
  },
}

export function openStream(session: Session, request: Extract<RequestFrame, {method: StreamMethod}>, onDone: () => void): Stream {
  return request.method === 'logs' ? streamLogs(session, request.id, request.params, onDone) : openWatch(session, request.id, request.params, onDone)
}
