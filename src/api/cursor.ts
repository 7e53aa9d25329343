// Log cursors: where a reader of `logs` stands, so that a later request
// with `after: CURSOR` resumes exactly there — nothing lost, nothing
// repeated — across reconnects, rotations and daemon restarts.
//
// Every stored chunk of output has a stamp (its time, made unique and
// increasing across the daemon's stores: src/daemon/logs/stamp-clock.ts),
// and `logs` hands out lines in the order (stamp, source, position). A
// cursor names one point of that order: the stamp of a line's chunk, its
// source and the position just after it; or, for the end of a stream that
// sent nothing, just a stamp. It is opaque to clients: a string to keep and
// hand back.
import {MarError} from '../util/errors.js'

export interface LogSource {
  stack: string
  instance: string
  stream: 'stdout' | 'stderr'
}

export interface LogPosition {
  /** Stamp of the chunk that holds the line's newline (epoch ms, fractional). */
  stamp: number
  /** The line's source and the global position just past it; absent for a bare boundary. */
  at?: LogSource & {end: number}
}

const PREFIX = 'c1.'

export function encodeCursor(position: LogPosition): string {
  const {stamp, at} = position
  const fields = at ? [stamp, at.stack, at.instance, at.stream === 'stdout' ? 1 : 2, at.end] : [stamp]
  return PREFIX + Buffer.from(JSON.stringify(fields)).toString('base64url')
}

export function decodeCursor(cursor: string): LogPosition {
  const bad = () => new MarError('bad-cursor', 'not a log cursor mar handed out', {hint: 'pass the `cursor` of a line (or of a stream\'s end) exactly as it came'})
  if (typeof cursor !== 'string' || !cursor.startsWith(PREFIX) || cursor.length > 4096) throw bad()
  let fields: unknown
  try {
    fields = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'))
  } catch {
    throw bad()
  }
  if (!Array.isArray(fields) || typeof fields[0] !== 'number' || !Number.isFinite(fields[0])) throw bad()
  if (fields.length === 1) return {stamp: fields[0]}
  const [stamp, stack, instance, stream, end] = fields as unknown[]
  if (fields.length !== 5 || typeof stack !== 'string' || typeof instance !== 'string' || (stream !== 1 && stream !== 2) || typeof end !== 'number' || !Number.isSafeInteger(end) || end < 0) throw bad()
  return {stamp: stamp as number, at: {stack, instance, stream: stream === 1 ? 'stdout' : 'stderr', end}}
}

/** The order in which `logs` hands lines out: by stamp, then source, then position. Negative: a comes first. */
export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1
  // A bare boundary stands after every line of its stamp.
  if (!a.at || !b.at) return !a.at && !b.at ? 0 : !a.at ? 1 : -1
  const key = (s: LogSource) => `${s.stack}\u0000${s.instance}\u0000${s.stream}`
  const ka = key(a.at)
  const kb = key(b.at)
  if (ka !== kb) return ka < kb ? -1 : 1
  return a.at.end - b.at.end
}
