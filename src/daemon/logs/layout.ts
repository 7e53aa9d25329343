// File names of one instance's log directory. Per stream (`out` for stdout,
// `err` for stderr): the raw capture the child writes, the current store
// segment, and rotated segments `.1` (newest) … `.K`, each with its index.
import {join} from 'node:path'

export type StreamName = 'stdout' | 'stderr'

export const STREAMS: readonly StreamName[] = ['stdout', 'stderr']

export function streamPrefix(stream: StreamName): 'out' | 'err' {
  return stream === 'stdout' ? 'out' : 'err'
}

/** The raw file the child appends to (O_APPEND); never truncated or renamed. */
export function rawPath(dir: string, stream: StreamName): string {
  return join(dir, `${streamPrefix(stream)}.raw`)
}

/** Segment `slot`: 0 is the current one (`out.log`), 1…K the rotated ones. */
export function segmentPath(dir: string, stream: StreamName, slot: number): string {
  const base = join(dir, `${streamPrefix(stream)}.log`)
  return slot === 0 ? base : `${base}.${slot}`
}

export function indexPath(dir: string, stream: StreamName, slot: number): string {
  return `${segmentPath(dir, stream, slot)}.idx`
}
