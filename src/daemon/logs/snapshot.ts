// A consistent view of one stream's stored bytes for readers, taken while
// the daemon may be appending and rotating. Open descriptors keep their
// files whatever rotation renames afterwards; the only care is to open a
// set of segments that existed together, so after opening we check that
// every name still points at the file we opened, and start over if not.
import {statSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {recordEnd} from './index-record.js'
import {indexPath, segmentPath, type StreamName} from './layout.js'
import {SegmentIndex} from './segment-index.js'

const ATTEMPTS = 20

interface Segment {
  log: FileHandle
  index: SegmentIndex
  /** Global positions of its first byte and just past its last. */
  start: number
  end: number
}

interface Opened {
  path: string
  file: FileHandle | undefined
  ino: number | undefined
}

export class StoreSnapshot {
  constructor(
    /** Oldest first, contiguous. */
    private readonly segments: Segment[],
    private readonly files: FileHandle[],
  ) {}

  /** Global position of the oldest kept byte. */
  get start(): number {
    return this.segments[0]?.start ?? 0
  }

  get end(): number {
    return this.segments.at(-1)?.end ?? 0
  }

  /** Bytes [position, position + length), which must lie within [start, end). */
  async read(position: number, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(length)
    let done = 0
    for (const segment of this.segments) {
      if (done === length) break
      const at = position + done
      if (at >= segment.end || at < segment.start) continue
      const n = Math.min(length - done, segment.end - at)
      const {bytesRead} = await segment.log.read(out, done, n, at - segment.start)
      if (bytesRead < n) throw new Error('a log segment shrank while being read')
      done += n
    }
    if (done < length) throw new RangeError(`log bytes ${position}+${length} are outside ${this.start}..${this.end}`)
    return out
  }

  /** The time of the chunk that holds global position `position`. */
  async timeAt(position: number): Promise<number> {
    const segment = this.segments.find((s) => s.start <= position && position < s.end) ?? this.segments.at(-1)
    if (!segment) return 0
    const record = await segment.index.find(position)
    if (record) return record.timeMs
    return segment.index.count > 0 ? (await segment.index.get(segment.index.count - 1)).timeMs : 0
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((file) => file.close()))
  }
}

export async function openSnapshot(dir: string, stream: StreamName): Promise<StoreSnapshot> {
  for (let attempt = 1; ; attempt++) {
    const opened = await openSlots(dir, stream)
    const files = opened.flatMap((o) => (o.file ? [o.file] : []))
    if (attempt >= ATTEMPTS || unchanged(opened)) {
      try {
        return new StoreSnapshot(await segmentsOf(opened), files)
      } catch (error) {
        await Promise.all(files.map((file) => file.close()))
        throw error
      }
    }
    await Promise.all(files.map((file) => file.close()))
    await new Promise((resolve) => setImmediate(resolve)) // let the rotation finish
  }
}

/**
 * Pairs [segment, index] for slots 0, 1, … as long as both exist (slot 0
 * may lack them for a moment after a rotation), then the segment of the slot
 * after the gap, which should not exist.
 */
async function openSlots(dir: string, stream: StreamName): Promise<Opened[]> {
  const opened: Opened[] = []
  for (let slot = 0; ; slot++) {
    const log = await tryOpen(segmentPath(dir, stream, slot))
    const idx = await tryOpen(indexPath(dir, stream, slot))
    opened.push(log, idx)
    if ((!log.file || !idx.file) && slot > 0) {
      opened.push(await tryOpen(segmentPath(dir, stream, slot + 1)))
      return opened
    }
  }
}

async function tryOpen(path: string): Promise<Opened> {
  try {
    const file = await open(path, 'r')
    return {path, file, ino: (await file.stat()).ino}
  } catch {
    return {path, file: undefined, ino: undefined}
  }
}

function unchanged(opened: Opened[]): boolean {
  // A gap followed by a segment means a rotation was under way.
  if (opened.at(-1)!.file) return false
  return opened.every((o) => statSync(o.path, {throwIfNoEntry: false})?.ino === o.ino)
}

async function segmentsOf(opened: Opened[]): Promise<Segment[]> {
  const olderFirst: Segment[] = []
  // From the oldest slot forward, so each segment can be checked against the one before it.
  const slots = Math.floor(opened.length / 2)
  let current: {log: FileHandle; index: SegmentIndex} | undefined
  for (let slot = slots - 1; slot >= 0; slot--) {
    const [log, idx] = [opened[2 * slot]!.file, opened[2 * slot + 1]!.file]
    if (!log || !idx) continue // only slot 0 can be incomplete here: empty, just rotated
    const index = await SegmentIndex.open(idx)
    if (index.count === 0) {
      if (slot === 0) current = {log, index} // fresh: starts where the older one ends
      continue
    }
    const size = (await log.stat()).size
    const first = await index.get(0)
    const last = await index.get(index.count - 1)
    const segment = {log, index, start: first.globalStart, end: Math.min(recordEnd(last), first.globalStart + size)}
    const older = olderFirst.at(-1)
    // Not contiguous (the files changed under us despite the checks): keep the newer part.
    if (older && older.end !== segment.start) olderFirst.length = 0
    olderFirst.push(segment)
  }
  const older = olderFirst.at(-1)
  if (current && older) olderFirst.push({...current, start: older.end, end: older.end})
  return olderFirst
}
