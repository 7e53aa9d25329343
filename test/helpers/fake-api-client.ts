// A fake DaemonClient for the TUI's component tests: no socket, no daemon.
// `watch` streams whatever the test feeds it (recorded event sequences);
// every call is recorded and answered by a handler the test sets (or a
// plain success); `logs` streams the lines the test gives. Named a fake
// because it is one: the real client is tested against a real daemon elsewhere.
import type {StreamHandle, StreamHandlers} from '../../src/api/client.js'
import type {CallMethod, GroupInfo, InstanceInfo, LogLine, ParamsOf, ReplyOf, StackInfo, StatusReply, StreamMethod, WatchEvent} from '../../src/api/protocol.js'
import {MarError} from '../../src/util/errors.js'

export interface RecordedCall {
  method: string
  params: unknown
}

type Handler = (params: unknown) => unknown

export class FakeApiClient {
  readonly calls: RecordedCall[] = []
  readonly streams: Array<{method: string; params: unknown; cancelled: boolean}> = []
  private readonly watchers = new Set<StreamHandlers<'watch'>>()
  private readonly handlers = new Map<string, Handler>()
  private readonly closeListeners = new Set<(error: MarError) => void>()
  /** What every `logs` stream sends; a function: what a stream with these params sends. */
  logLines: LogLine[] | ((params: ParamsOf<'logs'>) => LogLine[]) = []

  constructor(private initial: StatusReply = {stacks: [], hosts: []}) {}

  /** How a method answers (default: every target ok). A thrown error rejects the call. */
  answer(method: string, handler: Handler): this {
    this.handlers.set(method, handler)
    return this
  }

  /** Hand events to every open watch stream, as the daemon would. */
  emit(...events: WatchEvent[]): void {
    for (const w of this.watchers) for (const e of events) w.item(e)
  }

  /** The connection drops: every listener hears it. */
  lose(message = 'the connection to the mar daemon was lost'): void {
    for (const l of this.closeListeners) l(new MarError('daemon-lost', message))
  }

  onClose(listener: (error: MarError) => void): () => void {
    this.closeListeners.add(listener)
    return () => this.closeListeners.delete(listener)
  }

  callsOf(method: string): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.params)
  }

  async call<M extends CallMethod>(method: M, params: ParamsOf<M>): Promise<ReplyOf<M>> {
    this.calls.push({method, params})
    const handler = this.handlers.get(method)
    if (handler) return (await handler(params)) as ReplyOf<M>
    const p = params as {stack?: {name?: string}; targets?: string[]}
    if (method === 'status') return this.initial as ReplyOf<M>
    return {stack: p.stack?.name ?? '', results: (p.targets ?? []).map((t) => ({instance: t, ok: true, message: 'done'}))} as unknown as ReplyOf<M>
  }

  stream<M extends StreamMethod>(method: M, params: ParamsOf<M>, handlers: StreamHandlers<M>): StreamHandle<never> {
    const record = {method, params: params as unknown, cancelled: false}
    this.streams.push(record)
    let finish: () => void = () => {}
    const done = new Promise<never>((resolve) => {
      finish = () => resolve(null as never)
    })
    if (method === 'watch') {
      const w = handlers as StreamHandlers<'watch'>
      this.watchers.add(w)
      queueMicrotask(() => w.item({kind: 'snapshot', status: this.initial}))
    } else {
      const l = handlers as StreamHandlers<'logs'>
      const lines = typeof this.logLines === 'function' ? this.logLines(params as ParamsOf<'logs'>) : this.logLines
      queueMicrotask(() => lines.forEach((line) => l.item(line)))
    }
    return {
      done,
      cancel: () => {
        record.cancelled = true
        if (method === 'watch') this.watchers.delete(handlers as StreamHandlers<'watch'>)
        finish()
      },
    }
  }
}

// ---------------------------------------------------------------- recorded facts

export function fakeInstance(name: string, over: Partial<InstanceInfo> = {}): InstanceInfo {
  const runner = name.replace(/\.\d+$/, '')
  return {
    name,
    runner,
    group: runner,
    host: 'local',
    state: 'running',
    health: null,
    pid: 1000 + name.length,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    restarts: 0,
    lastExit: null,
    cpu: null,
    memory: null,
    reason: null,
    reasonCode: null,
    nextRestartAt: null,
    oneshot: false,
    ready: null,
    liveness: null,
    notifyStatus: null,
    ...over,
  }
}

export function fakeGroup(name: string, over: Partial<GroupInfo> = {}): GroupInfo {
  return {name, phase: 'ready', reason: null, reasonCode: null, dependsOn: [], ...over}
}

export function fakeStack(name: string, groups: GroupInfo[], instances: InstanceInfo[]): StackInfo {
  return {name, config: `/stacks/${name}/mar.yaml`, groups, instances}
}

/** A small stack as a daemon reports it: db (postgres.1) then app (web.1, web.2 on h1, worker.1 crashing). */
export function shopStatus(): StatusReply {
  return {
    stacks: [
      fakeStack(
        'shop',
        [fakeGroup('db'), fakeGroup('app', {phase: 'starting', dependsOn: [{group: 'db', condition: 'ready'}]})],
        [
          fakeInstance('postgres.1', {group: 'db', state: 'ready', pid: 101, cpu: 2, memory: 50_000_000}),
          fakeInstance('web.1', {group: 'app', pid: 201, cpu: 30, memory: 120_000_000}),
          fakeInstance('web.2', {group: 'app', host: 'h1', pid: 202, cpu: 10, memory: 90_000_000}),
          fakeInstance('worker.1', {group: 'app', state: 'backoff', pid: null, startedAt: null, restarts: 4, reason: 'crashed: exit code 1', reasonCode: 'crashed'}),
        ],
      ),
    ],
    hosts: [],
  }
}
