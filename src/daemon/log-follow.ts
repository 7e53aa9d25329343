// `mar logs -f` after the backlog: new lines of the followed instances as
// they are stored, read from the store at the client's pace. Each stored
// chunk wakes only the source it belongs to. An instance that appears later
// (a first spawn, a reload, a stack brought up or restarted whole) is
// followed from the chunk that made it known: what an earlier run of the
// same name left on disk is not replayed.
import {encodeCursor} from '../api/cursor.js'
import type {LogLine, LogsParams} from '../api/protocol.js'
import type {Daemon} from './daemon.js'
import {instanceLogDir} from './paths.js'
import {lineText, readLinesFrom, type StoredLine, type StreamName} from './logs/index.js'
import type {Session} from './session.js'

export interface Source {
  stack: string
  instance: string
  host: string
  stream: StreamName
  dir: string
  cursor: number
}

export function toLogLine(source: Source, line: StoredLine): LogLine {
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

const BATCH_BYTES = 1024 * 1024

export interface FollowContext {
  session: Session
  id: number
  daemon: Daemon
  request: LogsParams
  grep: RegExp | undefined
  /** The stream was cancelled or has finished. */
  ended(): boolean
  /** End the stream (the caller's bookkeeping). */
  finish(): void
  fail(error: unknown): void
}

/** A chunk stored before following began, of an instance not among the sources. */
export interface StoredChunk {
  stack: string
  instance: string
  stream: StreamName
  start: number
}

export interface Following {
  /**
   * The daemon is stopping: send everything stored up to now, a notice, then
   * end. When the programs have ended (not with --keep), a last line without
   * its newline comes too.
   */
  close(message: string, programsEnded: boolean): Promise<void>
  /** Stop listening for stored chunks. */
  stop(): void
}

export function follow(ctx: FollowContext, sources: Source[], earlier: StoredChunk[] = []): Following {
  const {session, id, daemon, request, grep} = ctx
  const byKey = new Map(sources.map((source) => [`${source.stack}\0${source.instance}\0${source.stream}`, source]))
  // One drain per source at a time; a wake-up during a drain makes it run once more.
  const running = new Map<Source, Promise<void>>()
  const again = new Set<Source>()
  const drainOnce = async (source: Source, partial: boolean) => {
    for (;;) {
      if (ctx.ended() || session.isClosed) return
      const {lines, next, skipped} = await readLinesFrom(source.dir, source.stream, source.cursor, BATCH_BYTES, partial)
      if (skipped > 0) session.send({id, type: 'notice', notice: {code: 'lines-skipped', message: `${source.instance}: ${skipped} bytes rotated away before they were read`}})
      source.cursor = next
      for (const line of lines) {
        if (grep && !grep.test(lineText(line.bytes))) continue
        if (!session.send({id, type: 'item', item: toLogLine(source, line)})) await session.whenDrained()
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
        } while (again.has(source) && !ctx.ended())
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
    const runtime = daemon.runtime(stack)
    if (!runtime || !runtime.status(instance)) return false
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
  const stored = (stack: string, instance: string, stream: StreamName, start: number) => {
    const key = `${stack}\0${instance}\0${stream}`
    let source = byKey.get(key)
    if (!source) {
      if (!follows(stack, instance)) return
      const host = daemon.runtime(stack)?.status(instance)?.host ?? 'local'
      source = {stack, instance, host, stream, dir: instanceLogDir(daemon.deps.paths, stack, instance), cursor: start}
      byKey.set(key, source)
    }
    void drain(source).catch(ctx.fail)
  }
  const stop = daemon.onStored((stack, instance, stream, _end, start) => stored(stack, instance, stream, start))
  for (const chunk of earlier) stored(chunk.stack, chunk.instance, chunk.stream, chunk.start)
  for (const source of sources) void drain(source).catch(ctx.fail)
  return {
    stop,
    close: async (message, programsEnded) => {
      await Promise.all([...byKey.values()].map((source) => drain(source).catch(() => {})))
      if (programsEnded) await Promise.all([...byKey.values()].map((source) => drain(source, true).catch(() => {})))
      if (ctx.ended()) return
      session.send({id, type: 'notice', notice: {code: 'daemon-stopped', message}})
      session.send({id, type: 'end', data: {cursor: ''}})
      ctx.finish()
    },
  }
}
