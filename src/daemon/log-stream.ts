// `mar logs`: the last N lines of the chosen instances merged by time, then
// (with -f) new lines as they are stored. Following reads from the store on
// disk at the client's pace: a client that stops reading costs the daemon
// nothing but a cursor, and resumes where it stopped.
import type {LogLineJson, Request} from '../api/protocol.js'
import {MarError, ExitCode} from '../util/errors.js'
import type {Daemon} from './actor.js'
import {instanceLogDir} from './paths.js'
import {lineText, mergeByTime, readLastLines, readLinesFrom, type StoredLine, type StreamName} from './logs/index.js'
import type {Session, Stream} from './session.js'

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
    line: lineText(line.bytes),
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

function sourcesOf(daemon: Daemon, request: LogsRequest): {sources: Source[]} {
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
  return {sources}
}

export function streamLogs(session: Session, daemon: Daemon, request: LogsRequest, onDone: () => void): Stream {
  let cancelled = false
  /** Set once the backlog is sent and following has begun (with -f). */
  let closeFollow: ((message: string) => Promise<void>) | undefined
  let followStarted!: () => void
  const following = new Promise<void>((resolve) => (followStarted = resolve))
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

  const done = (async () => {
    const grep = compileGrep(request.grep)
    const {sources} = sourcesOf(daemon, request)
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
    follow(sources, grep)
  })().catch(fail)

  /**
   * Each stored chunk wakes only the source it belongs to. An instance that
   * appears later (a first spawn, a reload, a stack brought up or restarted
   * whole) is followed from the chunk that made it known: what an earlier
   * run of the same name left on disk is not replayed.
   */
  function follow(sources: Source[], grep: RegExp | undefined): void {
    const byKey = new Map(sources.map((source) => [`${source.stack}\0${source.instance}\0${source.stream}`, source]))
    // One drain per source at a time; a wake-up during a drain makes it run once more.
    const running = new Map<Source, Promise<void>>()
    const again = new Set<Source>()
    const drainOnce = async (source: Source, partial: boolean) => {
      for (;;) {
        if (cancelled || session.isClosed) return
        const {lines, next, skipped} = await readLinesFrom(source.dir, source.stream, source.cursor, BATCH_BYTES, partial)
        if (skipped > 0) session.send({id: request.id, type: 'notice', message: `${source.instance}: ${skipped} bytes rotated away before they were read`})
        source.cursor = next
        for (const line of lines) {
          if (grep && !grep.test(lineText(line.bytes))) continue
          if (!session.send({id: request.id, type: 'log', line: toJson(source, line)})) await session.whenDrained()
        }
        if (lines.length === 0) return
      }
    }
    const drain = (source: Source, partial = false): Promise<void> => {
      const current = running.get(source)
      if (current) {
        again.add(source)
        return current
      }
      const loop = (async () => {
        try {
          do {
            again.delete(source)
            await drainOnce(source, partial)
          } while (again.has(source) && !cancelled)
        } finally {
          running.delete(source)
        }
      })()
      running.set(source, loop)
      return loop
    }
    // Whether a stack's instance is one this request follows, remembered per plan
    // (asked for every stored chunk of every instance the request does not follow yet).
    const decided = new Map<string, {plan: unknown; follows: boolean}>()
    const follows = (stack: string, instance: string): boolean => {
      const runtime = daemon.stacks.get(stack)
      if (!runtime || !runtime.statuses.has(instance)) return false
      const key = `${stack}\0${instance}`
      const known = decided.get(key)
      if (known && known.plan === runtime.plan) return known.follows
      let answer = true
      if (request.stack?.name && request.stack.name !== stack) answer = false
      else if (request.stack?.config && runtime.plan.configPath !== request.stack.config) answer = false
      else if (request.stack) {
        try {
          answer = runtime.resolve(request.targets ?? []).includes(instance)
        } catch {
          answer = false
        }
      }
      decided.set(key, {plan: runtime.plan, follows: answer})
      return answer
    }
    unsubscribes.push(
      daemon.onStored((stack, instance, stream, _end, start) => {
        const key = `${stack}\0${instance}\0${stream}`
        let source = byKey.get(key)
        if (!source) {
          if (!follows(stack, instance)) return
          const host = daemon.stacks.get(stack)?.statuses.get(instance)?.host ?? 'local'
          source = {stack, instance, host, stream, dir: instanceLogDir(daemon.deps.paths, stack, instance), cursor: start}
          byKey.set(key, source)
        }
        void drain(source).catch(fail)
      }),
    )
    // The daemon is stopping: send everything stored up to now (a last line
    // without its newline too: its program has ended), then end.
    closeFollow = async (message: string) => {
      await Promise.all([...byKey.values()].map((source) => drain(source).catch(() => {})))
      await Promise.all([...byKey.values()].map((source) => drain(source, true).catch(() => {})))
      if (cancelled) return
      session.send({id: request.id, type: 'notice', message})
      session.send({id: request.id, type: 'end'})
      finish()
    }
    followStarted()
    for (const source of sources) void drain(source).catch(fail)
  }

  return {
    cancel: finish,
    close: async (message) => {
      // Without -f the stream ends by itself once its lines are sent.
      if (!request.follow) return done
      await Promise.race([following, done])
      if (closeFollow) return closeFollow(message)
    },
  }
}
