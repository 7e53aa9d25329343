// The time index beside each segment: one 32-byte record per stored chunk,
// four little-endian float64s (exact for integers below 2^53, so positions
// and epoch milliseconds fit): where the chunk sits in the stream's whole
// history, where it sits in the log file the child writes, its length and when
// it was seen.

export const RECORD_SIZE = 32

export interface IndexRecord {
  /** Position of the chunk in the stream's history of stored bytes (never goes back, across rotations). */
  globalStart: number
  /** Offset of the chunk in the log file the child writes. */
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
