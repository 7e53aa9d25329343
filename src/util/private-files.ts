// Files mar keeps in MAR_HOME are opened without following symbolic links
// (O_NOFOLLOW) and created private (0600), fresh (O_EXCL) where they are
// replaced by rename: a link planted as `journal.jsonl`, a stack file or
// `daemon.log` must make mar refuse (ELOOP), never append to or truncate the
// file it points at. Directories are checked where MAR_HOME is vetted
// (src/api/home-vet.ts); this is the files inside them.
import {closeSync, constants, fstatSync, openSync, readSync, renameSync, rmSync, writeSync} from 'node:fs'

const {O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY} = constants

/** Open for appending (created 0600 if missing); a symbolic link is refused. */
export function openPrivateAppend(path: string): number {
  return openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600)
}

/** Append one piece of text; a symbolic link is refused. */
export function appendPrivate(path: string, text: string): void {
  const fd = openPrivateAppend(path)
  try {
    writeAll(fd, Buffer.from(text))
  } finally {
    closeSync(fd)
  }
}

/**
 * Replace `path` with `data` all at once: written to a fresh temporary file
 * beside it (a stale one, or a link planted in its place, is removed first,
 * never followed), then renamed over it — rename replaces a link itself.
 */
export function writePrivateAtomic(path: string, data: string | Buffer): void {
  const temporary = `${path}.tmp`
  rmSync(temporary, {force: true})
  const fd = openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data)
  } catch (error) {
    closeSync(fd)
    rmSync(temporary, {force: true})
    throw error
  }
  closeSync(fd)
  try {
    renameSync(temporary, path)
  } catch (error) {
    rmSync(temporary, {force: true})
    throw error
  }
}

/** Read a whole regular file of this user's, of at most `maxBytes`; a symbolic link, a FIFO, a device or another user's file is refused. */
export function readPrivate(path: string, maxBytes = 64 * 1024 * 1024): string {
  const fd = openSync(path, O_RDONLY | O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const info = fstatSync(fd)
    if (!info.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), {code: 'EINVAL'})
    const uid = process.getuid?.()
    if (uid !== undefined && info.uid !== uid) throw Object.assign(new Error(`${path} belongs to uid ${info.uid}, not to this user`), {code: 'EPERM'})
    if (info.size > maxBytes) throw Object.assign(new Error(`${path} is larger than ${maxBytes} bytes`), {code: 'EFBIG'})
    const buffer = Buffer.allocUnsafe(info.size)
    let done = 0
    while (done < buffer.length) {
      const n = readSync(fd, buffer, done, buffer.length - done, done)
      if (n === 0) break
      done += n
    }
    return buffer.subarray(0, done).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done)
}
