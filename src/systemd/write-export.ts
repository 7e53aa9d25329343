// Writing an export's files into a directory the user named — often a
// directory of a repository someone else wrote, where a committed symbolic
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
import {ExitCode, MarError} from '../util/errors.js'

export interface FileToWrite {
  name: string
  content: string
  mode: number
}

/** Write the files into dir; existing files are an error unless `force`, and then nothing is written. */
export async function writeExport(dir: string, files: readonly FileToWrite[], force: boolean): Promise<string[]> {
  const paths = files.map((f) => join(dir, f.name))
  const existing: string[] = []
  for (const path of paths) {
    const kind = entryKind(path)
    if (kind === 'none') continue
    if (kind === 'symlink') throw refused(path, 'is a symbolic link', 'mar does not write through links: remove it, or export into another directory')
    if (kind !== 'file') throw refused(path, `is ${kind} where mar writes a file`, 'remove it, or export into another directory')
    existing.push(path)
  }
  if (existing.length > 0 && !force) {
    const shown = existing.length > 3 ? `${existing.slice(0, 3).join(', ')} and ${existing.length - 3} more` : existing.join(', ')
    throw new MarError('file-exists', `${shown} already exist${existing.length === 1 ? 's' : ''}`, {hint: 'use --force to overwrite, or export into another directory', exitCode: ExitCode.failed})
  }
  makeDirectory(dir)
  for (const [i, file] of files.entries()) await replaceFile(paths[i]!, file.content, file.mode)
  return paths
}

type EntryKind = 'none' | 'file' | 'symlink' | 'a directory' | 'a FIFO, socket or device'

function entryKind(path: string): EntryKind {
  try {
    const stat = lstatSync(path)
    if (stat.isSymbolicLink()) return 'symlink'
    if (stat.isFile()) return 'file'
    return stat.isDirectory() ? 'a directory' : 'a FIFO, socket or device'
  } catch (error) {
    if (isCode(error, 'ENOENT')) return 'none'
    // ENOTDIR: a parent is a file — makeDirectory says so.
    if (isCode(error, 'ENOTDIR')) return 'none'
    throw cannot(path, 'read', error)
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir spins for ever on a
 * path it cannot create under a directory that exists, such as
 * /proc/self/x (Node 20), and its errors name no fix.
 */
function makeDirectory(dir: string): void {
  const parent = dirname(dir)
  try {
    if (statSync(dir).isDirectory()) return
    throw refused(dir, 'is not a directory', 'export into a directory, or remove the file')
  } catch (error) {
    if (error instanceof MarError) throw error
    if (!isCode(error, 'ENOENT')) throw cannot(dir, 'read', error)
  }
  if (parent !== dir) makeDirectory(parent)
  try {
    mkdirSync(dir)
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw cannot(dir, 'create', error)
  }
}

async function replaceFile(path: string, content: string, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.mar-export`)
  let handle
  try {
    // wx: the temp name is new, never an entry someone placed there.
    handle = await open(temp, 'wx', mode)
    await handle.writeFile(content)
    // The umask may have taken bits off the mode; a file of secrets must not have more.
    await handle.chmod(mode)
    await handle.close()
    handle = undefined
    await rename(temp, path)
  } catch (error) {
    await handle?.close().catch(() => {})
    await unlink(temp).catch(() => {})
    throw cannot(path, 'write', error)
  }
}

function refused(path: string, what: string, hint: string): MarError {
  return new MarError('bad-output', `${path} ${what}`, {hint})
}

function cannot(path: string, verb: string, error: unknown): MarError {
  const code = (error as NodeJS.ErrnoException).code
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the device' : code === 'EROFS' ? 'a read-only file system' : code === 'ENOENT' || code === 'ENOTDIR' ? 'no such directory can be made there' : ((error as Error).message ?? String(error))
  return new MarError('bad-output', `cannot ${verb} ${path}: ${why}`, {hint: 'export into a directory you can write'})
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException)?.code === code
}
