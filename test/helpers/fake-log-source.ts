// A fake LogSource (the log pane's view of a DaemonClient): a recorded store
// of lines with real cursors, served with the `logs` stream's rules (no
// `after`: the last N; `after`: at most N from there on, 0 for all; follow:
// then every line emitted), and a record of every stream it opened.
import {decodeCursor, encodeCursor, compareLogPositions} from '../../src/api/cursor.js'
import type {LogLine, LogsEnd, LogsParams, Notice} from '../../src/api/protocol.js'
import type {LogSource} from '../../src/ui/logs-pane.js'

export interface FakeStream {
  params: LogsParams
  cancelled: boolean
  ended: boolean
  /** Lines handed to it. */
  sent: number
}

const BASE = 1_700_000_000_000

/** A line as the daemon would hand it out; n orders it (its stamp). */
export function recordedLine(n: number, text: string, opts: {instance?: string; stream?: 'stdout' | 'stderr'; stack?: string; host?: string} = {}): LogLine {
  const instance = opts.instance ?? 'web.1'
  const stream = opts.stream ?? 'stdout'
  const stack = opts.stack ?? 'app'
  return {time: new Date(BASE + n).toISOString(), stack, instance, host: opts.host ?? 'local', stream, line: text, cursor: encodeCursor({stamp: BASE + n, at: {stack, instance, stream, end: n * 100}})}
}

export class FakeLogSource implements LogSource {
  readonly store: LogLine[] = []
  readonly streams: FakeStream[] = []
  private readonly followers: {stream: FakeStream; matches(l: LogLine): boolean; item(l: LogLine): void; end(e: LogsEnd): void}[] = []

  /** Lines already stored before anyone asks. */
  record(lines: LogLine[]): void {
    this.store.push(...lines)
  }

  /** Lines written now: stored, and sent to every follower they concern. */
  emit(lines: LogLine[]): void {
    this.store.push(...lines)
    for (const f of this.followers) {
      if (f.stream.cancelled) continue
      for (const line of lines) {
        if (!f.matches(line)) continue
        f.stream.sent++
        f.item(line)
      }
    }
  }

  stream(_method: 'logs', params: LogsParams, handlers: {item(line: LogLine): void; notice?(n: Notice): void}): {done: Promise<LogsEnd>; cancel(): void} {
    const record: FakeStream = {params, cancelled: false, ended: false, sent: 0}
    this.streams.push(record)
    const matches = (l: LogLine) =>
      (params.stack === null || params.stack.name === undefined || params.stack.name === l.stack) &&
      (params.targets.length === 0 || params.targets.some((t) => t === l.instance || l.instance.startsWith(`${t}.`))) &&
      (!params.stream || params.stream === l.stream)
    const all = this.store.filter(matches)
    let first: LogLine[]
    if (params.after !== undefined) {
      const from = decodeCursor(params.after)
      const rest = all.filter((l) => compareLogPositions(decodeCursor(l.cursor), from) > 0)
      first = params.lines === 0 ? rest : rest.slice(0, params.lines)
    } else {
      first = params.lines === 0 ? [] : all.slice(-params.lines)
    }
    let resolve!: (end: LogsEnd) => void
    const done = new Promise<LogsEnd>((r) => (resolve = r))
    const end = (e: LogsEnd) => {
      if (record.ended) return
      record.ended = true
      resolve(e)
    }
    const lastCursor = () => first.at(-1)?.cursor ?? encodeCursor({stamp: BASE})
    // Like the real client: items arrive after the call returns.
    queueMicrotask(() => {
      if (record.cancelled) return
      for (const line of first) {
        record.sent++
        handlers.item(line)
      }
      if (params.follow) this.followers.push({stream: record, matches, item: (l) => handlers.item(l), end})
      else end({cursor: lastCursor()})
    })
    return {
      done,
      cancel: () => {
        record.cancelled = true
        end({cursor: lastCursor()})
      },
    }
  }
}
