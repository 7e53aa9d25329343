// File names of one instance's log directory. Per stream (`out` for stdout,
// `err` for stderr): the log the child writes itself (`out.log`, O_APPEND),
// and the time index over it — the current segment's (`out.idx`) and the
// rotated ones' (`out.idx.1` newest … `out.idx.K`). Segments are ranges of
// the log file; rotation moves index files, and the oldest range's disk
// space is given back by punching a hole, so bytes are never copied.
import {join} from 'node:path'

export type StreamName = 'stdout' | 'stderr'

export const STREAMS: readonly StreamName[] = ['stdout', 'stderr']

export function streamPrefix(stream: StreamName): 'out' | 'err' {
  return stream === 'stdout' ? 'out' : 'err'
}

/** The file the child appends to (O_APPEND); never truncated or renamed by mar. */
export function rawPath(dir: string, stream: StreamName): string {
  return join(dir, `${streamPrefix(stream)}.log`)
}

/** Index of segment `slot`: 0 is the current one (`out.idx`), 1…K the rotated ones. */
export function indexPath(dir: string, stream: StreamName, slot: number): string {
  const base = join(dir, `${streamPrefix(stream)}.idx`)
  return slot === 0 ? base : `${base}.${slot}`
}
