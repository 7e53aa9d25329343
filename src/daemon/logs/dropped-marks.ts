// How far each log file's dropped bytes may already have been punched away,
// for readers in the same process (the daemon serves every read). A mark is
// raised before its punch is sent, so a reader that checks after its read
// knows whether the read could have met a hole: then the bytes it got may be
// zeros, and it starts over from a fresh snapshot instead of showing them.
// Files are known by device, inode and birth time: a name can be reused, and
// an inode number too once its file is gone. Marks stay for the daemon's
// life: one number per log file that ever dropped a segment.

const marks = new Map<string, number>()

export function fileKey(stat: {dev: number; ino: number; birthtimeMs: number}): string {
  return `${stat.dev}:${stat.ino}:${stat.birthtimeMs}`
}

/** Bytes of the file below `offset` may be holes from now on. */
export function markDropped(key: string, offset: number): void {
  if (offset > (marks.get(key) ?? 0)) marks.set(key, offset)
}

/** Offsets below this may be holes. */
export function droppedBelow(key: string): number {
  return marks.get(key) ?? 0
}

/** A read met bytes that rotation dropped while it ran. */
export class RotatedAway extends Error {
  constructor() {
    super('log bytes were dropped by rotation while being read')
  }
}
