// A reader's view of one stream's stored bytes, taken while the daemon may
// be copying and rotating. Segments (a plain log file and its index) are
// opened newest first and only as far back as the reader needs; an open
// descriptor keeps its file whatever rotation renames or removes afterwards,
// so a reader never sees a byte change under it. Rotation moves segments up
// one slot at a time, so walking the slots upwards finds each older segment
// by its range (it ends where the newer one starts) even if they move while
// we walk; an index is paired with a log only if it was still at its slot
// after the log was opened (rotation moves an index before its log).
import {constants, lstatSync, statSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {recordEnd, type IndexRecord} from './index-record.js'
import {indexPath, logPath, mayBeOldLayout, nextIndexPath, type StreamName} from './layout.js'
import {SegmentIndex} from './segment-index.js'

interface Segment {
  index: SegmentIndex
  /** Global positions of its first byte and just past its last. */
  start: number
  end: number
  /** Its log file, and the offset in it of byte `start` of the stream (0 but in the layout before spools). */
  log: FileHandle
  at: number
}

type Slot = Segment | 'missing' | 'empty'

export class StoreSnapshot {
  /** Newest first, contiguous. */
  private readonly segments: Segment[] = []
  private readonly files: FileHandle[] = []
  /** No spool directory next to it: a log directory no store of this version opened yet. */
  private oldLayout: boolean | undefined
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
      const {bytesRead} = await segment.log.read(out, done, n, at - segment.start + segment.at)
      if (bytesRead < n) throw new Error('the log file shrank while being read')
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
    await Promise.all(files.map((file) => file.close()))
  }

  private async openNewest(): Promise<void> {
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

  /** A rotated index without a log of its own: the old layout's out.log, which held them all. */
  private async rawLog(log: FileHandle | undefined): Promise<FileHandle | undefined> {
    if (log) return undefined
    const raw = await tryOpen(logPath(this.dir, this.stream, 0))
    if (raw) this.files.push(raw)
    return raw
  }

  private async openSlot(slot: number): Promise<Slot> {
    const giveUpAt = Date.now() + ROTATION_WAIT_MS
    for (;;) {
      // What this look opened: kept with the snapshot when it returns a slot, closed when it looks again.
      const opened: FileHandle[] = []
      const keep = <T>(result: T): T => {
        this.files.push(...opened)
        return result
      }
      const drop = () => Promise.all(opened.map((f) => f.close().catch(() => {})))
      const path = indexPath(this.dir, this.stream, slot)
      const file = await tryOpen(path)
      if (!file) return 'missing'
      opened.push(file)
      const index = await SegmentIndex.open(file)
      const first = index.count > 0 ? await index.get(0) : undefined
      const last = index.count > 0 ? await index.get(index.count - 1) : undefined
      if (!first || !last || recordEnd(last) === first.globalStart) return keep('empty')
      // Whatever the index describes was written to the log before the index was.
      const log = await tryOpen(logPath(this.dir, this.stream, slot))
      if (log) opened.push(log)
      // Still there after the log was opened: the log is the one it describes. Else a rotation moved it: look again.
      if (lstatSync(path, {throwIfNoEntry: false})?.ino !== (await file.stat()).ino) {
        await drop()
        continue
      }
      const start = first.globalStart
      const end = recordEnd(last)
      // The layout before spools, not migrated yet (no daemon of this version opened it): the child's
      // out.log holds every kept segment at its raw offsets (rotated ones have no log of their own).
      if ((this.oldLayout ??= mayBeOldLayout(this.dir))) {
        const raw = log && slot === 0 ? log : await this.rawLog(log)
        if (raw && (await raw.stat()).size >= last.rawStart + last.length) return keep({index, start, end, log: raw, at: first.rawStart})
      }
      if (!log) {
        // Mid-rotation each index moves one slot up just before its log does: for that moment
        // this slot has the index and not yet the log. Taken for a gap, it ended the read early
        // (the slot above holds an older segment, so "the one we need is gone"): look again —
        // while a rotation is under way, which takes milliseconds; a marker a crash left behind
        // (the next daemon finishes that rotation) is old, and nothing is waited for.
        await drop()
        if (rotationUnderWay(nextIndexPath(this.dir, this.stream)) && Date.now() < giveUpAt) {
          await new Promise((resolve) => setTimeout(resolve, ROTATION_POLL_MS))
          continue
        }
        // An index without its log (left by a migration a crash interrupted): nothing to read there.
        return 'missing'
      }
      return keep({index, start, end, log, at: 0})
    }
  }
}

/**
 * How long a reader waits for a rotation's rename of a log to follow its index's. The renames are
 * back to back in the writer, so this is a bound, not an expected wait.
 */
const ROTATION_WAIT_MS = 1000
/** How often it looks again meanwhile (each look opens the slot's index anew, closing the last). */
const ROTATION_POLL_MS = 10
/**
 * A rotation's marker (`out.idx.new`) this much older than now was left by a crash, not written
 * by a rotation under way: the next daemon finishes that rotation, and readers do not wait for it.
 */
const LIVE_ROTATION_MS = 10_000

function rotationUnderWay(marker: string): boolean {
  const info = lstatSync(marker, {throwIfNoEntry: false})
  return info !== undefined && Date.now() - info.mtimeMs < LIVE_ROTATION_MS
}

async function tryOpen(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch {
    return undefined
  }
}

export const openSnapshot = (dir: string, stream: StreamName): Promise<StoreSnapshot> => StoreSnapshot.open(dir, stream)

/** Run `read` on a snapshot, closed after. */
export async function withSnapshot<T>(dir: string, stream: StreamName, read: (snapshot: StoreSnapshot) => Promise<T>): Promise<T> {
  const snapshot = await openSnapshot(dir, stream)
  try {
    return await read(snapshot)
  } finally {
    await snapshot.close()
  }
}
