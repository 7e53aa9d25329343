// A reader's view of one stream's indexed bytes, taken while the daemon may
// be indexing and rotating. Segment indexes are opened newest first and
// only as far back as the reader needs; an open descriptor keeps its file
// whatever rotation renames afterwards. Rotation moves indexes up one slot
// at a time, so walking the slots upwards finds each older segment by its
// range (it ends where the newer one starts) even if they move while we
// walk. The bytes come from the log file the child writes; a dropped
// segment's bytes stay there until the rotation after its drop. A reader
// slower than that (two rotations during one read) gets RotatedAway rather
// than the zeros of a hole, and `withSnapshot` starts it over.
import {statSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {droppedBelow, fileKey, RotatedAway} from './dropped-marks.js'
import {recordEnd, type IndexRecord} from './index-record.js'
import {indexPath, rawPath, type StreamName} from './layout.js'
import {SegmentIndex} from './segment-index.js'

interface Segment {
  index: SegmentIndex
  /** Global positions of its first byte and just past its last. */
  start: number
  end: number
  /** Global position minus offset in the log file, for every byte of the segment. */
  shift: number
}

type Slot = Segment | 'missing' | 'empty'

export class StoreSnapshot {
  /** Newest first, contiguous. */
  private readonly segments: Segment[] = []
  private readonly files: FileHandle[] = []
  private raw: FileHandle | undefined
  private rawKey = ''
  private nextSlot = 0
  private exhausted = false
  end = 0

  private constructor(
    private readonly dir: string,
    private readonly stream: StreamName,
  ) {}

  static async open(dir: string, stream: StreamName): Promise<StoreSnapshot> {
    const snapshot = new StoreSnapshot(dir, stream)
    try {
      await snapshot.openNewest()
    } catch (error) {
      await snapshot.close()
      throw error
    }
    return snapshot
  }

  /** Global position of the oldest byte opened so far. */
  get start(): number {
    return this.segments.at(-1)?.start ?? this.end
  }

  /** Open older segments until `position` is covered or nothing older is kept; resolves the start then. */
  async reach(position: number): Promise<number> {
    while (position < this.start && !this.exhausted) await this.openOlder()
    return this.start
  }

  /** Bytes [position, position + length), which must lie within [start, end) (see `reach`). */
  async read(position: number, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(length)
    let done = 0
    for (let i = this.segments.length - 1; i >= 0 && done < length; i--) {
      const segment = this.segments[i]!
      const at = position + done
      if (at >= segment.end || at < segment.start) continue
      const n = Math.min(length - done, segment.end - at)
      if (!this.raw) throw new Error('the log file is missing')
      const {bytesRead} = await this.raw.read(out, done, n, at - segment.shift)
      if (bytesRead < n) throw new Error('the log file shrank while being read')
      if (at - segment.shift < droppedBelow(this.rawKey)) throw new RotatedAway()
      done += n
    }
    if (done < length) throw new RangeError(`log bytes ${position}+${length} are outside ${this.start}..${this.end}`)
    return out
  }

  /** The time of the chunk that holds global position `position`. */
  async timeAt(position: number): Promise<number> {
    const segment = this.segments.find((s) => s.start <= position && position < s.end) ?? this.segments[0]
    if (!segment) return 0
    const record = await segment.index.find(position)
    if (record) return record.timeMs
    return segment.index.count > 0 ? (await segment.index.get(segment.index.count - 1)).timeMs : 0
  }

  /** Records of the kept segments whose chunks end after `position`, oldest first, at most `limit` (empty chunks left out). */
  async recordsAfter(position: number, limit: number): Promise<IndexRecord[]> {
    await this.reach(position)
    const found: IndexRecord[] = []
    for (let s = this.segments.length - 1; s >= 0 && found.length < limit; s--) {
      const {index, end} = this.segments[s]!
      if (end <= position) continue
      // The first record that ends after `position`: ends only grow within a segment.
      let lo = 0
      let hi = index.count
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (recordEnd(await index.get(mid)) > position) hi = mid
        else lo = mid + 1
      }
      for (let i = lo; i < index.count && found.length < limit; i++) {
        const record = await index.get(i)
        if (record.length > 0) found.push(record)
      }
    }
    return found
  }

  /**
   * The end of the last kept chunk whose stamp `before` accepts (stamps only
   * grow along a stream), or the oldest kept position when none is.
   */
  async endOfLast(before: (stamp: number) => boolean): Promise<number> {
    for (let s = 0; ; s++) {
      if (s === this.segments.length) {
        if (this.exhausted) return this.start
        await this.openOlder()
        if (s === this.segments.length) return this.start
      }
      const {index} = this.segments[s]!
      if (index.count === 0 || !before((await index.get(0)).timeMs)) continue
      let lo = 0
      let hi = index.count - 1
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2)
        if (before((await index.get(mid)).timeMs)) lo = mid
        else hi = mid - 1
      }
      return recordEnd(await index.get(lo))
    }
  }

  async close(): Promise<void> {
    const files = this.files.splice(0)
    if (this.raw) files.push(this.raw)
    this.raw = undefined
    await Promise.all(files.map((file) => file.close()))
  }

  private async openNewest(): Promise<void> {
    // The log file before the indexes: whatever they describe was written to it before they were.
    this.raw = await tryOpen(rawPath(this.dir, this.stream))
    if (this.raw) this.rawKey = fileKey(await this.raw.stat())
    const current = await this.openSlot(0)
    this.nextSlot = 1
    if (typeof current === 'object') {
      this.segments.push(current)
      this.end = current.end
      return
    }
    // No current segment yet, or an empty one (just rotated): the stream ends where the newest rotated one does.
    await this.openOlder()
    this.end = this.segments[0]?.end ?? 0
  }

  /** Open the segment that ends where the oldest open one starts, if it is still kept. */
  private async openOlder(): Promise<void> {
    const need = this.segments.length > 0 ? this.start : undefined
    for (;;) {
      const slot = this.nextSlot++
      const found = await this.openSlot(slot)
      if (found === 'missing' || found === 'empty') {
        // A gap while a higher slot exists is a rotation under way: the segment we need moved up.
        if (statSync(indexPath(this.dir, this.stream, slot + 1), {throwIfNoEntry: false})) continue
        this.exhausted = true
        return
      }
      if (need === undefined || found.end === need) {
        this.segments.push(found)
        return
      }
      if (found.end > need) continue // a newer one, moved up by a rotation since we looked
      this.exhausted = true // the one we need is gone
      return
    }
  }

  private async openSlot(slot: number): Promise<Slot> {
    const file = await tryOpen(indexPath(this.dir, this.stream, slot))
    if (!file) return 'missing'
    this.files.push(file)
    const index = await SegmentIndex.open(file)
    if (index.count === 0) return 'empty'
    const first = await index.get(0)
    const last = await index.get(index.count - 1)
    return {index, start: first.globalStart, end: recordEnd(last), shift: first.globalStart - first.rawStart}
  }
}

async function tryOpen(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r')
  } catch {
    return undefined
  }
}

export const openSnapshot = (dir: string, stream: StreamName): Promise<StoreSnapshot> => StoreSnapshot.open(dir, stream)

/** How often a read that rotation overtook starts over before giving up. */
const FRESH_TRIES = 5

/** Run `read` on a snapshot (closed after); once more on a fresh one when rotation dropped bytes under it. */
export async function withSnapshot<T>(dir: string, stream: StreamName, read: (snapshot: StoreSnapshot) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const snapshot = await openSnapshot(dir, stream)
    try {
      return await read(snapshot)
    } catch (error) {
      if (!(error instanceof RotatedAway) || attempt >= FRESH_TRIES) throw error
    } finally {
      await snapshot.close()
    }
  }
}
