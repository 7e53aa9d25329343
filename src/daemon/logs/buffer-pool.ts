// Read buffers for pumping raw files. A pump holds one only while it copies
// a block, so a daemon with hundreds of quiet instances keeps a few, not
// one per stream.
export const BLOCK_SIZE = 1024 * 1024
const KEEP_FREE = 8
const free: Buffer[] = []

export function takeBuffer(): Buffer {
  return free.pop() ?? Buffer.allocUnsafeSlow(BLOCK_SIZE)
}

export function giveBuffer(buffer: Buffer): void {
  if (free.length < KEEP_FREE) free.push(buffer)
}
