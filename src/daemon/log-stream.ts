// `mar logs`: the last N lines of the chosen instances merged by time, then
// (with -f) new lines as they are stored. Following reads from the store on
// disk at the client's pace: a client that stops reading costs the daemon
// nothing but a cursor, and resumes where it stopped.
import type {LogsParams} from '../api/protocol.js'
import {MarError} from '../util/errors.js'
import type {Daemon} from './daemon.js'
import type {Stream} from './handlers.js'
import {follow, toLogLine, type Following, type Source, type StoredChunk} from './log-follow.js'
import {instanceLogDir} from './paths.js'
import {followStart, mergeByTime, readLastLines, type StoredLine} from './logs/index.js'
import type {Session} from './session.js'
import {errorInfo} from './session.js'

function compileGrep(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined || pattern === '') return undefined
  try {
    return new RegExp(pattern)
  } catch (error) {
    throw new MarError('bad-request', `invalid --grep pattern: ${(error as Error).message}`)
  }
}

function sourcesOf(daemon: Daemon, request: LogsParams): {sources: Source[]} {
  const runtimes = request.stack ? [daemon.find(request.stack)] : daemon.runtimes()
  const sources: Source[] = []
  for (const runtime of runtimes) {
    const names = request.stack ? runtime.resolve(request.targets ?? []) : runtime.resolve([])
    for (const name of names) {
      const status = runtime.status(name)!
      for (const stream of ['stdout', 'stderr'] as const) {
        sources.push({stack: runtime.name, instance: name, host: status.host, stream, dir: instanceLogDir(daemon.deps.paths, runtime.name, name), cursor: 0})
      }
    }
  }
  return {sources}
}

export function streamLogs(session: Session, id: number, request: LogsParams, onDone: () => void): Stream {
  const daemon = session.daemon
  let cancelled = false
  /** Set once the backlog is sent and following has begun (with -f). */
  let following: Following | undefined
  let stopNoting: (() => void) | undefined
  let followStarted!: () => void
  const startedFollowing = new Promise<void>((resolve) => (followStarted = resolve))
  const finish = () => {
    if (cancelled) return
    cancelled = true
    stopNoting?.()
    following?.stop()
    onDone()
  }
  const fail = (error: unknown) => {
    if (cancelled) return
    session.send({id, type: 'error', error: errorInfo(error, session.host.log)})
    finish()
  }

  const done = (async () => {
    const grep = compileGrep(request.grep)
    const {sources} = sourcesOf(daemon, request)
    const limit = Math.max(0, Math.floor(Number(request.lines ?? 100)))
    // With -f, output of instances not among the sources (yet) is noted from
    // now on: one that appears while the backlog goes out is followed from its first chunk.
    const earlier = new Map<string, StoredChunk>()
    if (request.follow) {
      const note = daemon.onStored((stack, instance, stream, _end, start) => {
        const key = `${stack}\0${instance}\0${stream}`
        if (!earlier.has(key)) earlier.set(key, {stack, instance, stream, start})
      })
      stopNoting = note
    }
    // Cursors first, so that lines stored while we read are neither lost nor
    // repeated: after the last complete line (a line still being written comes whole, later).
    for (const source of sources) {
      const store = daemon.runtime(source.stack)?.logs.get(source.instance)
      if (store) await store.pump().catch(() => {})
      source.cursor = await followStart(source.dir, source.stream)
    }
    const lists = await Promise.all(
      sources.map(async (source) => {
        if (limit === 0) return []
        const lines = await readLastLines(source.dir, source.stream, {limit, sinceMs: request.sinceMs, grep}).catch(() => [] as StoredLine[])
        const last = lines.at(-1)
        if (last && last.end > source.cursor) source.cursor = last.end
        return lines.map((line) => ({time: line.time, json: toLogLine(source, line)}))
      }),
    )
    for (const {json} of mergeByTime(lists, limit)) {
      if (cancelled) return
      if (!session.send({id, type: 'item', item: json})) await session.whenDrained()
    }
    if (!request.follow || cancelled) {
      session.send({id, type: 'end', data: {cursor: ''}})
      return finish()
    }
    stopNoting?.()
    following = follow({session, id, daemon, request, grep, ended: () => cancelled, finish, fail}, sources, [...earlier.values()])
    followStarted()
  })().catch(fail)

  return {
    cancel: () => {
      if (cancelled) return
      session.send({id, type: 'end', data: {cursor: ''}})
      finish()
    },
    close: async (message, programsEnded) => {
      // Without -f the stream ends by itself once its lines are sent.
      if (!request.follow) return done
      await Promise.race([startedFollowing, done])
      return following?.close(message, programsEnded)
    },
  }
}
