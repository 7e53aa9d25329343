// File names of one instance's logs. Per stream (`out` for stdout, `err` for
// stderr) there are two places:
//
// - The spool (`SPOOL/out.spool`), a hidden file the child appends to itself
//   (O_APPEND, its own descriptor: nothing is lost while no daemon runs). Its
//   consumed prefix is given back with fallocate collapse-range, so its
//   offsets shift; `SPOOL/out.base` says how many bytes were collapsed so far,
//   and a spool position (what index records hold) is base + offset.
//   The spool lives outside the log directory (MAR_HOME/spool/STACK/INSTANCE
//   for the daemon), so `grep -r` over MAR_HOME/logs never sees its bytes.
// - The log directory that users and tools read: plain text that only the
//   daemon writes, `out.log` (current) and `out.log.1` (newest) … `out.log.K`
//   rotated by rename like logrotate does, so `cat out.log.K … out.log.1
//   out.log` is the stream. Beside each, its time index `out.idx`, `out.idx.N`
//   (32-byte records; index-record.ts): `out.idx.N` describes `out.log.N`
//   byte for byte.
import {lstatSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

export type StreamName = 'stdout' | 'stderr'

export const STREAMS: readonly StreamName[] = ['stdout', 'stderr']

export function streamPrefix(stream: StreamName): 'out' | 'err' {
  return stream === 'stdout' ? 'out' : 'err'
}

/** Where a store keeps its spool when not told: beside the log directory, hidden (tests; the daemon passes MAR_HOME/spool/…). */
export function defaultSpoolDir(dir: string): string {
  return join(dirname(dir), '.spool', basename(dir))
}

/** The file the child appends to (O_APPEND); only the daemon's collapse shortens it. */
export function spoolPath(spoolDir: string, stream: StreamName): string {
  return join(spoolDir, `${streamPrefix(stream)}.spool`)
}

/** Bytes collapsed out of the front of the spool so far (decimal text, replaced atomically). */
export function basePath(spoolDir: string, stream: StreamName): string {
  return join(spoolDir, `${streamPrefix(stream)}.base`)
}

/** Plain log file of segment `slot`: 0 is the current one (`out.log`), 1…K the rotated ones. */
export function logPath(dir: string, stream: StreamName, slot: number): string {
  const base = join(dir, `${streamPrefix(stream)}.log`)
  return slot === 0 ? base : `${base}.${slot}`
}

/** Index of segment `slot`: 0 is the current one (`out.idx`), 1…K the rotated ones. */
export function indexPath(dir: string, stream: StreamName, slot: number): string {
  const base = join(dir, `${streamPrefix(stream)}.idx`)
  return slot === 0 ? base : `${base}.${slot}`
}

/** A rotation under way: the current segment's next index, put in place last (rotation.ts). */
export function nextIndexPath(dir: string, stream: StreamName): string {
  return `${indexPath(dir, stream, 0)}.new`
}

/**
 * Whether a log directory may still be of the layout before spools: no spool
 * directory where a store of it would keep one — MAR_HOME/spool/STACK/INSTANCE
 * for MAR_HOME/logs/STACK/INSTANCE (src/daemon/paths.ts), or the default.
 * Readers ask; the daemon migrates such a directory when it opens it.
 */
export function mayBeOldLayout(dir: string): boolean {
  const instance = basename(dir)
  const stack = dirname(dir)
  const mirrored = join(dirname(dirname(stack)), 'spool', basename(stack), instance)
  return ![mirrored, defaultSpoolDir(dir)].some((candidate) => lstatSync(candidate, {throwIfNoEntry: false}))
}
