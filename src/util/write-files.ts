// Writing generated files (the exports, `mar init`'s mar.yaml) into a
// directory the user named — often a directory of a repository someone else
// wrote, where a committed symbolic
// link (`kubernetes/web.yaml -> ~/.bashrc`) would otherwise have mar write
// the user's own file through it, --force or not (a dangling link passed the
// "already exists" check and was followed to create its target). So an entry
// is looked at with lstat, never followed: a link or anything but a regular
// file is refused, and each file is written as a new file beside it, then
// renamed over the name — rename replaces the directory entry itself, so a
// link planted in between is replaced, not written through, and the file is
// born with its mode (0600 for files holding environment values).
import {randomBytes} from 'node:crypto'
import {lstatSync, mkdirSync, statSync} from 'node:fs'
import {open, rename, unlink} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {MarError} from './errors.js'

export interface FileToWrite {
  name: string
  content: string
  mode: number
}

export interface WriteOptions {
  /** Overwrite existing regular files. */
  force: boolean
  /** The other way out, for hints: "export into another directory". */
  elsewhere: string
  /** The hint when files exist and force is off. */
  forceHint?: string
}

/** Write the files into dir; existing files are an error unless `force`, and then nothing is written. */
export async function writeFilesSafely(dir: string, files: readonly FileToWrite[], options: WriteOptions): Promise<string[]> {
  const {force, elsewhere} = options
  const paths = files.map((f) => join(dir, f.name))
  const existing: string[] = []
  for (const path of paths) {
    const kind = entryKind(path, elsewhere)
    if (kind === 'none') continue
    if (kind === 'symlink') throw refused(path, 'is a symbolic link', `mar does not write through links: remove it, or ${elsewhere}`)
    if (kind !== 'file') throw refused(path, `is ${kind} where mar writes a file`, `remove it, or ${elsewhere}`)
    existing.push(path)
  }
  if (existing.length > 0 && !force) {
    const shown = existing.length > 3 ? `${existing.slice(0, 3).join(', ')} and ${existing.length - 3} more` : existing.join(', ')
    throw new MarError('file-exists', `${shown} already exist${existing.length === 1 ? 's' : ''}`, {hint: options.forceHint ?? `use --force to overwrite, or ${elsewhere}`})
  }
  makeDirectory(dir, elsewhere)
  for (const [i, file] of files.entries()) await replaceFile(paths[i]!, file.content, file.mode, elsewhere)
  return paths
}

type EntryKind = 'none' | 'file' | 'symlink' | 'a directory' | 'a FIFO, socket or device'

function entryKind(path: string, elsewhere: string): EntryKind {
  try {
    const stat = lstatSync(path)
    if (stat.isSymbolicLink()) return 'symlink'
    if (stat.isFile()) return 'file'
    return stat.isDirectory() ? 'a directory' : 'a FIFO, socket or device'
  } catch (error) {
    if (isCode(error, 'ENOENT')) return 'none'
    // ENOTDIR: a parent is a file — makeDirectory says so.
    if (isCode(error, 'ENOTDIR')) return 'none'
    throw cannot(path, 'read', error, elsewhere)
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir spins for ever on a
 * path it cannot create under a directory that exists, such as
 * /proc/self/x (Node 20), and its errors name no fix.
 */
function makeDirectory(dir: string, elsewhere: string): void {
  const parent = dirname(dir)
  try {
    if (statSync(dir).isDirectory()) return
    throw refused(dir, 'is not a directory', `remove the file, or ${elsewhere}`)
  } catch (error) {
    if (error instanceof MarError) throw error
    if (!isCode(error, 'ENOENT')) throw cannot(dir, 'read', error, elsewhere)
  }
  if (parent !== dir) makeDirectory(parent, elsewhere)
  try {
    mkdirSync(dir)
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw cannot(dir, 'create', error, elsewhere)
  }
}

async function replaceFile(path: string, content: string, mode: number, elsewhere: string): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.mar-export`)
  let handle
  try {
    // wx: the temp name is new, never an entry someone placed there.
    handle = await open(temp, 'wx', mode)
    await handle.writeFile(content)
    // The umask cut the mode given at creation; each file is meant to have exactly its mode.
    await handle.chmod(mode)
    await handle.close()
    handle = undefined
    await rename(temp, path)
  } catch (error) {
    await handle?.close().catch(() => {})
    await unlink(temp).catch(() => {})
    throw cannot(path, 'write', error, elsewhere)
  }
}

function refused(path: string, what: string, hint: string): MarError {
  return new MarError('bad-output', `${path} ${what}`, {hint})
}

function cannot(path: string, verb: string, error: unknown, elsewhere: string): MarError {
  const code = (error as NodeJS.ErrnoException).code
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the device' : code === 'EROFS' ? 'a read-only file system' : code === 'ENOENT' || code === 'ENOTDIR' ? 'no such directory can be made there' : ((error as Error).message ?? String(error))
  return new MarError('bad-output', `cannot ${verb} ${path}: ${why}`, {hint: elsewhere})
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException)?.code === code
}
