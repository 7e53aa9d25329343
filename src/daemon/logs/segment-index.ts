// Reads one segment's time index lazily, in blocks of records, so finding
// the time of the last lines of a big segment reads a few kilobytes of its
// index rather than all of it.
import type {FileHandle} from 'node:fs/promises'
import {decodeRecord, RECORD_SIZE, type IndexRecord} from './index-record.js'

const RECORDS_PER_BLOCK = 2048 // 64 KiB
const CACHED_BLOCKS = 4

export class SegmentIndex {
  private readonly blocks = new Map<number, Buffer>()
  private hint = 0

  constructor(
    private readonly file: FileHandle,
    /** Records to use; the file may hold more (written ahead of their data). */
    readonly count: number,
  ) {}

  static async open(file: FileHandle): Promise<SegmentIndex> {
    const {size} = await file.stat()
    return new SegmentIndex(file, Math.floor(size / RECORD_SIZE))
  }

  /** The same file seen with fewer records. */
  limit(count: number): SegmentIndex {
    return count >= this.count ? this : new SegmentIndex(this.file, count)
  }

  async get(i: number): Promise<IndexRecord> {
    if (i < 0 || i >= this.count) throw new RangeError(`index record ${i} of ${this.count}`)
    const blockNo = Math.floor(i / RECORDS_PER_BLOCK)
    let block = this.blocks.get(blockNo)
    if (block) {
      this.blocks.delete(blockNo) // re-insert: most recently used last
    } else {
      const first = blockNo * RECORDS_PER_BLOCK
      const n = Math.min(RECORDS_PER_BLOCK, this.count - first)
      block = Buffer.allocUnsafe(n * RECORD_SIZE)
      const {bytesRead} = await this.file.read(block, 0, block.length, first * RECORD_SIZE)
      if (bytesRead < block.length) throw new Error(`time index shorter than expected (${bytesRead} of ${block.length} bytes)`)
      if (this.blocks.size >= CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value as number)
    }
    this.blocks.set(blockNo, block)
    return decodeRecord(block, (i % RECORDS_PER_BLOCK) * RECORD_SIZE)
  }

  /** The record whose chunk holds global position `pos`, or undefined when none does. */
  async find(pos: number): Promise<IndexRecord | undefined> {
    if (this.count === 0) return undefined
    // Readers walk lines in order, so the last answer or its neighbour is usually right.
    for (const i of [this.hint, this.hint + 1, this.hint - 1]) {
      if (i < 0 || i >= this.count) continue
      const record = await this.get(i)
      if (record.globalStart <= pos && pos < record.globalStart + record.length) {
        this.hint = i
        return record
      }
    }
    let lo = 0
    let hi = this.count - 1
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2)
      if ((await this.get(mid)).globalStart <= pos) lo = mid
      else hi = mid - 1
    }
    const record = await this.get(lo)
    if (pos < record.globalStart || pos >= record.globalStart + record.length) return undefined
    this.hint = lo
    return record
  }
}
