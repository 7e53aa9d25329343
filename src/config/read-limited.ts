// Reading a file the user named (the config, an env_file) without trusting
// what it is: `/dev/zero` or `/dev/urandom` never end, a FIFO blocks until a
// writer comes, a directory is no text. Open without blocking, look at what
// was opened (fstat of the descriptor, so nothing can be swapped in between),
// read only a regular file, and at most `maxBytes` of it.
import {closeSync, constants, fstatSync, openSync, readSync, type Stats} from 'node:fs'

export type ReadOutcome =
  | {ok: true; text: string}
  | {ok: false; reason: 'missing'}
  | {ok: false; reason: 'not-regular' | 'too-big' | 'unreadable'; detail: string}

export function readLimited(file: string, maxBytes: number): ReadOutcome {
  let fd: number
  try {
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return {ok: false, reason: 'missing'}
    return {ok: false, reason: 'unreadable', detail: code === 'EACCES' ? 'permission denied' : (code ?? String(error))}
  }
  try {
    const info = fstatSync(fd)
    if (!info.isFile()) return {ok: false, reason: 'not-regular', detail: `it is ${kindOf(info)}, not a regular file`}
    if (info.size > maxBytes) return {ok: false, reason: 'too-big', detail: tooBig(info.size, maxBytes)}
    // The size can change under us (a file being written): read one byte past the cap to notice.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1)
    let length = 0
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null)
      if (n === 0) break
      length += n
      if (length > maxBytes) return {ok: false, reason: 'too-big', detail: tooBig(length, maxBytes)}
      if (length === buffer.length) break
    }
    return {ok: true, text: buffer.toString('utf8', 0, length)}
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return {ok: false, reason: 'unreadable', detail: code === 'EISDIR' ? 'it is a directory, not a regular file' : (code ?? String(error))}
  } finally {
    closeSync(fd)
  }
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory'
  if (info.isFIFO()) return 'a FIFO (named pipe)'
  if (info.isCharacterDevice()) return 'a character device'
  if (info.isBlockDevice()) return 'a block device'
  if (info.isSocket()) return 'a socket'
  return 'not a regular file'
}

function tooBig(size: number, max: number): string {
  return `it is larger than ${max / (1024 * 1024)} MiB${size > max + 1 ? ` (${(size / (1024 * 1024)).toFixed(1)} MiB)` : ''}`
}
