// The time index beside each plain log file: one 32-byte record per block
// copied, four little-endian float64s (exact for integers below 2^53, so
// positions and epoch milliseconds fit): where the block sits in the
// stream's whole history (its offset in its `out.log.N` is that minus the
// file's first record's), the spool position it was copied from (where
// recovery resumes), its length and when it was seen.

export const RECORD_SIZE = 32

export interface IndexRecord {
  /** Position of the chunk in the stream's history of stored bytes (never goes back, across rotations). */
  globalStart: number
  /**
   * Spool position the chunk was copied from (spool.ts: offset plus the bytes
   * collapsed before it). In the layout before spools, the offset in the
   * `out.log` the child wrote, which is what a migrated spool's positions are.
   */
  rawStart: number
  length: number
  /** Epoch ms when the chunk was read; the time of every line whose newline it holds. */
  timeMs: number
}

export function encodeRecord(record: IndexRecord, into: Buffer = Buffer.allocUnsafe(RECORD_SIZE), at = 0): Buffer {
  into.writeDoubleLE(record.globalStart, at)
  into.writeDoubleLE(record.rawStart, at + 8)
  into.writeDoubleLE(record.length, at + 16)
  into.writeDoubleLE(record.timeMs, at + 24)
  return into
}

export function decodeRecord(from: Buffer, at = 0): IndexRecord {
  return {
    globalStart: from.readDoubleLE(at),
    rawStart: from.readDoubleLE(at + 8),
    length: from.readDoubleLE(at + 16),
    timeMs: from.readDoubleLE(at + 24),
  }
}

export function recordEnd(record: IndexRecord): number {
  return record.globalStart + record.length
}
