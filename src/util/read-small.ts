// Reading small pseudo-files (/proc/PID/stat, cgroup.procs) without waste:
// procfs and cgroupfs report a size of 0, so readFileSync allocates a fresh
// 64 KB buffer for each read. Hundreds of those during a spawn storm are
// tens of MB of garbage — and a bigger daemon forks more slowly. One shared
// scratch buffer (reads are synchronous, so it is never shared at once).
import {closeSync, openSync, readSync} from 'node:fs'

let scratch = Buffer.allocUnsafe(16 * 1024)

/** The whole file as a Buffer view that is valid until the next call; null when it cannot be read. */
export function readSmallFile(path: string): Buffer | null {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return null
  }
  try {
    let length = 0
    for (;;) {
      if (length === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2)
        scratch.copy(bigger, 0, 0, length)
        scratch = bigger
      }
      const n = readSync(fd, scratch, length, scratch.length - length, null)
      if (n === 0) break
      length += n
    }
    return scratch.subarray(0, length)
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}

export function readSmallText(path: string, encoding: BufferEncoding = 'utf8'): string | null {
  return readSmallFile(path)?.toString(encoding) ?? null
}
