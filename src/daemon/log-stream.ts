// `mar logs`: the last N lines of the chosen instances merged by time, then
// (with -f) new lines as they are stored. Following reads from the store on
// disk at the client's pace: a client that stops reading costs the daemon
// nothing but a cursor, and resumes where it stopped.
import type {LogLineJson, Request} from '../api/protocol.js'
import {MarError, ExitCode} from '../util/errors.js'
import type {Daemon} from './actor.js'
import {instanceLogDir} from './paths.js'
import {mergeByTime, readLastLines, readLinesFrom, type StoredLine, type StreamName} from './logs/index.js'
import type {Session, Stream} from './session.js'
import type {StackRuntime} from './stack-runtime.js'

type LogsRequest = Extract<Request, {type: 'logs'}>

interface Source {
  stack: string
  instance: string
  host: string
  stream: StreamName
  dir: string
  cursor: number
}

const BATCH_BYTES = 1024 * 1024

function toJson(source: Source, line: StoredLine): LogLineJson {
  return {
    time: new Date(line.time).toISOString(),
    stack: source.stack,
    instance: source.instance,
    host: source.host,
    stream: source.stream,
    line: line.bytes.toString('utf8'),
  }
}

function compileGrep(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined || pattern === '') return undefined
  try {
    return new RegExp(pattern)
  } catch (error) {
    throw new MarError('bad-request', `invalid --grep pattern: ${(error as Error).message}`, {exitCode: ExitCode.usage})
  }
}

function sourcesOf(daemon: Daemon, request: LogsRequest): {sources: Source[]; runtimes: StackRuntime[]} {
  const runtimes = request.stack ? [daemon.find(request.stack)] : [...daemon.stacks.values()]
  const sources: Source[] = []
  for (const runtime of runtimes) {
    const names = request.stack ? runtime.resolve(request.targets ?? []) : runtime.resolve([])
    for (const name of names) {
      const status = runtime.statuses.get(name)!
      for (const stream of ['stdout', 'stderr'] as const) {
        sources.push({stack: runtime.name, instance: name, host: status.host, stream, dir: instanceLogDir(daemon.deps.paths, runtime.name, name), cursor: 0})
      }
    }
  }
  return {sources, runtimes}
}

export function streamLogs(session: Session, daemon: Daemon, request: LogsRequest, onDone: () => void): Stream {
  let cancelled = false
  const unsubscribes: Array<() => void> = []
  const finish = () => {
    if (cancelled) return
    cancelled = true
    for (const unsubscribe of unsubscribes) unsubscribe()
    onDone()
  }
  const fail = (error: unknown) => {
    const e = error as MarError
    session.send({id: request.id, type: 'error', error: {code: e.code ?? 'internal', message: e.message, hint: e.hint}})
    finish()
  }

  void (async () => {
    const grep = compileGrep(request.grep)
    const {sources, runtimes} = sourcesOf(daemon, request)
    const limit = Math.max(0, Math.floor(Number(request.lines ?? 100)))
    // Cursors first, so that lines stored while we read are neither lost nor repeated.
    for (const source of sources) {
      const store = daemon.stacks.get(source.stack)?.logs.get(source.instance)
      if (store) await store.pump().catch(() => {})
      source.cursor = store ? store.ends()[source.stream] : 0
    }
    const lists = await Promise.all(
      sources.map(async (source) => {
        if (limit === 0) return []
        const lines = await readLastLines(source.dir, source.stream, {limit, sinceMs: request.sinceMs, grep}).catch(() => [] as StoredLine[])
        const last = lines.at(-1)
        if (last && last.end > source.cursor) source.cursor = last.end
        return lines.map((line) => ({time: line.time, json: toJson(source, line)}))
      }),
    )
    for (const {json} of mergeByTime(lists, limit)) {
      if (cancelled) return
      if (!session.send({id: request.id, type: 'log', line: json})) await session.whenDrained()
    }
    if (!request.follow || cancelled) {
      session.send({id: request.id, type: 'end'})
      return finish()
    }

    let draining = false
    let again = false
    const drain = async () => {
      if (draining) return void (again = true)
      draining = true
      try {
        do {
          again = false
          for (const source of sources) {
            for (;;) {
              if (cancelled || session.isClosed) return finish()
              const {lines, next, skipped} = await readLinesFrom(source.dir, source.stream, source.cursor, BATCH_BYTES)
              if (skipped > 0) session.send({id: request.id, type: 'notice', message: `${source.instance}: ${skipped} bytes rotated away before they were read`})
              source.cursor = next
              for (const line of lines) {
                if (grep && !grep.test(line.bytes.toString('utf8'))) continue
                if (!session.send({id: request.id, type: 'log', line: toJson(source, line)})) await session.whenDrained()
              }
              if (lines.length === 0) break
            }
          }
        } while (again)
      } finally {
        draining = false
      }
    }
    for (const runtime of runtimes) {
      for (const store of runtime.logs.values()) unsubscribes.push(store.onStored(() => void drain().catch(fail)))
    }
    await drain()
  })().catch(fail)

  return {cancel: finish}
}
