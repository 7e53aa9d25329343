// `logs`: stored output of the chosen instances, in its one order (by
// stamp; src/api/cursor.ts), every line with a cursor to resume after it.
//   - no `after`: the last N lines up to now, merged in order; with
//     `follow`, then every line stored from now on;
//   - `after: CURSOR`: the lines after that point (at most N of them, or all
//     with N = 0); with `follow`, on into new ones.
// Followers read from the store at their own pace: one that stops reading
// costs the daemon nothing but its cursors, and resumes where it stopped.
// Instances that appear later (a stack brought up, a runner added by a
// reload) are followed from the starting point on: what earlier runs of the
// same name left on disk is not replayed.
import {decodeCursor, encodeCursor, type LogPosition} from '../api/cursor.js'
import type {LogLine, LogsParams, StackRef} from '../api/protocol.js'
import type {Daemon} from './daemon.js'
import type {Stream} from './handlers.js'
import {LogReader, type Source} from './log-reader.js'
import {instanceLogDir} from './paths.js'
import {lineText, mergeByTime, readLastLines, STREAMS, type StoredLine} from './logs/index.js'
import {errorInfo, type Session} from './session.js'
import {MarError} from '../util/errors.js'
import {compileOffLoop, type OffLoopMatcher} from '../util/pattern-worker.js'

/** A linear-time matcher whose costly work runs off the event loop (src/util/pattern-worker.ts): no pattern can stall the daemon. */
function compileGrep(pattern: string | undefined): Promise<OffLoopMatcher | undefined> {
  if (pattern === undefined || pattern === '') return Promise.resolve(undefined)
  return compileOffLoop(pattern, '--grep')
}

/** Whether an instance of a stack is among those a request names (asked again when a new one appears). */
function inScope(daemon: Daemon, ref: StackRef | null, targets: string[], stack: string, instance: string): boolean {
  const runtime = daemon.runtime(stack)
  if (!runtime?.status(instance)) return false
  if (ref?.name && ref.name !== stack) return false
  if (ref?.config && runtime.plan.configPath !== ref.config) return false
  if (!ref) return true
  try {
    return runtime.resolve(targets).includes(instance)
  } catch {
    return false
  }
}

function sourceOf(daemon: Daemon, stack: string, instance: string, stream: 'stdout' | 'stderr'): Source {
  const host = daemon.runtime(stack)?.status(instance)?.host ?? 'local'
  return {stack, instance, stream, host, dir: instanceLogDir(daemon.deps.paths, stack, instance)}
}

const keyOf = (s: Source) => `${s.stack}\u0000${s.instance}\u0000${s.stream}`

function toLogLine(source: Source, line: StoredLine): LogLine {
  return {
    time: new Date(line.time).toISOString(),
    stack: source.stack,
    instance: source.instance,
    host: source.host,
    stream: source.stream,
    line: lineText(line.bytes),
    cursor: encodeCursor({stamp: line.time, at: {stack: source.stack, instance: source.instance, stream: source.stream, end: line.end}}),
  }
}

export function streamLogs(session: Session, id: number, params: LogsParams, onDone: () => void): Stream {
  const daemon = session.daemon
  const stamps = daemon.deps.stamps
  const compiling = compileGrep(params.grep)
  // Failed here it is this request's error (bad-pattern), reported when the stream starts.
  let grep: OffLoopMatcher | undefined
  const start = params.after === undefined ? undefined : decodeCursor(params.after)
  const runtimes = params.stack ? [daemon.find(params.stack)] : daemon.runtimes()
  const wanted = params.stream ? [params.stream] : STREAMS
  const sources = runtimes
    .flatMap((runtime) => (params.stack ? runtime.resolve(params.targets) : runtime.instanceNames()).map((instance) => [runtime.name, instance] as const))
    .flatMap(([stack, instance]) => wanted.map((stream) => sourceOf(daemon, stack, instance, stream)))
    .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1))

  let ended = false
  let closing: {message: string; programsEnded: boolean} | null = null
  /** Just past the last line sent: where a later request resumes. */
  let resumeAt: LogPosition | undefined = start
  let reader: LogReader | undefined
  /** Sources that appeared before the reader was ready to take them. */
  const appeared: Source[] = []
  let wake: () => void = () => {}
  /**
   * Something happened (a chunk stored, a source added, the stamp clock
   * moved) since the reader last looked: a wake-up that comes while a step
   * is under way would otherwise be lost, and the stream would wait for the
   * next chunk with this one unsent.
   */
  let news = false
  const notify = (): void => {
    news = true
    wake()
  }
  let waitingForStamps = false

  const finish = () => {
    if (ended) return
    ended = true
    grep?.cancel()
    stopStored()
    stopStamps()
    wake()
    onDone()
  }
  const end = () => {
    if (ended) return
    session.send({id, type: 'end', data: {cursor: encodeCursor(resumeAt ?? {stamp: stamps.boundary()})}})
    finish()
  }
  const fail = (error: unknown) => {
    if (ended) return
    session.send({id, type: 'error', error: errorInfo(error, session.host.log)})
    finish()
  }
  const send = async (source: Source, line: StoredLine): Promise<void> => {
    resumeAt = {stamp: line.time, at: {stack: source.stack, instance: source.instance, stream: source.stream, end: line.end}}
    if (grep) {
      if (!(await grep.test(lineText(line.bytes)))) return
    }
    if (!session.send({id, type: 'item', item: toLogLine(source, line)})) await session.whenDrained()
  }

  // Listen before anything is read: a chunk stored meanwhile is not missed.
  const stopStored = daemon.onStored((stack, instance, chunk) => {
    const source = {stack, instance, stream: chunk.stream}
    if (reader?.has(source)) {
      reader.stored(source)
      return notify()
    }
    if (!params.follow || !wanted.includes(chunk.stream) || !inScope(daemon, params.stack, params.targets, stack, instance)) return
    const appearing = sourceOf(daemon, stack, instance, chunk.stream)
    if (!reader) return void appeared.push(appearing)
    void reader.add(appearing).then(notify, fail)
  })
  const stopStamps = stamps.onDone(() => {
    news = true
    if (waitingForStamps) wake()
  })

  const deliverFrom = async (from: LogPosition): Promise<void> => {
    reader = new LogReader(stamps, from)
    for (const source of [...sources, ...appeared]) await reader.add(source)
    const limit = params.follow ? 0 : Math.max(0, Math.floor(params.lines))
    let sent = 0
    for (;;) {
      if (ended) return
      const drainAll = closing !== null
      news = false
      let step = await reader.step()
      // The programs have ended: last lines without a newline come too.
      if (!step && closing?.programsEnded) step = await reader.step(true)
      if (step) {
        if (step.skipped) session.send({id, type: 'notice', notice: {code: 'lines-skipped', message: `${step.skipped.source.instance}: ${step.skipped.bytes} bytes rotated away before they were read`}})
        for (const {source, line} of step.lines) {
          if (ended) return
          await send(source, line)
          if (limit > 0 && ++sent >= limit) return end()
        }
        continue
      }
      if (reader.blocked === 'newer') continue
      if (!params.follow || drainAll) {
        if (closing) session.send({id, type: 'notice', notice: {code: 'daemon-stopped', message: closing.message}})
        return end()
      }
      // Nothing to hand out now: wait for a new chunk, the stamp clock, or the end (unless one came while it looked).
      if (news) continue
      waitingForStamps = true
      await new Promise<void>((resolve) => (wake = resolve))
      waitingForStamps = false
    }
  }

  const done = (async () => {
    grep = await compiling
    if (ended) return grep?.cancel()
    if (start) return deliverFrom(start)
    // Everything written so far is stored first, then nothing up to the boundary is still on its way.
    await Promise.all(runtimes.flatMap((runtime) => runtime.instanceNames().map((name) => runtime.logs.get(name)?.pump().catch(() => {}))))
    const boundary = stamps.boundary()
    await stamps.settled(boundary)
    resumeAt = {stamp: boundary}
    const limit = Math.max(0, Math.floor(params.lines))
    if (limit > 0) {
      const lists = await Promise.all(
        sources.map(async (source) => {
          const lines = await readLastLines(source.dir, source.stream, {limit, sinceMs: params.sinceMs, grep, maxStamp: boundary}).catch((error) => {
            // A pattern too slow for a line ends the request with that error; a stream that cannot be read has no lines.
            if (error instanceof MarError && error.code === 'bad-pattern') throw error
            return [] as StoredLine[]
          })
          return lines.map((line) => ({time: line.time, source, line}))
        }),
      )
      // Sources are in key order, so equal stamps keep the order of the cursors.
      for (const {source, line} of mergeByTime(lists, limit)) {
        if (ended) return
        const position: LogPosition | undefined = resumeAt
        await send(source, line)
        resumeAt = position // the backlog ends at the boundary, not at its last line
      }
    }
    if (!params.follow) return end()
    return deliverFrom({stamp: boundary})
  })().catch(fail)

  return {
    cancel: end,
    close: async (message, programsEnded) => {
      if (ended) return
      closing = {message, programsEnded}
      wake()
      await done
    },
  }
}
