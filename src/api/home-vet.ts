// The one place that decides whether MAR_HOME can be used, and says in one
// line what is wrong with which path and what to do (exit 3) when it cannot:
// a file where a directory should be, no permission, a full or read-only
// disk, a path too long for a Unix socket. Every command that reaches the
// daemon vets it (without creating anything) before connecting; whatever
// creates MAR_HOME or opens files in it at start-up (ensureHome, the
// daemon's and `mar up -f`'s start-up) turns a file-system error into the
// same kind of line with homeFailure.
//
// Like OpenSSH's StrictModes, MAR_HOME must be the user's own: owned by
// them and writable by nobody else, and so must every directory and file mar
// trusts in it — otherwise whoever owns it could plant a plan that mar runs,
// or a link that makes mar write where they choose. Nothing in it may be a
// symbolic link (MAR_HOME itself may be one, to a directory of the user's);
// the files are opened with O_NOFOLLOW besides (src/util/private-files.ts).
import {accessSync, chmodSync, constants, existsSync, lstatSync, mkdirSync, rmSync, statSync, writeFileSync, type Stats} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {MarError} from '../util/errors.js'
import type {MarPaths} from './home.js'

/** sun_path holds 108 bytes with the terminating NUL; Node silently cuts a longer path, and binds somewhere else. */
export const MAX_SOCKET_PATH = 107

const ELSEWHERE = 'or set MAR_HOME to another directory'

/** The longest socket name mar binds in MAR_HOME/run: a notify socket, run/n/ and 12 characters (src/config/to-runners.ts, notifySocketPath). */
const NOTIFY_SOCKET_SAMPLE = join('n', '############')

function homeError(home: string, what: string, hint: string, cause?: unknown): MarError {
  return new MarError('mar-home', `MAR_HOME ${home}${what}`, {hint, cause, details: {home}})
}

/** Is `path` short enough to bind a Unix socket to? If not, the error that says so. */
export function socketPathProblem(home: string, path: string, shown = path): MarError | null {
  const bytes = Buffer.byteLength(path)
  if (bytes <= MAX_SOCKET_PATH) return null
  return homeError(home, ` is too long a path for a Unix socket: ${shown} is ${bytes} bytes, at most ${MAX_SOCKET_PATH} fit`, 'set MAR_HOME to a shorter path (e.g. ~/.mar)')
}

/**
 * A file-system error met while creating or opening `path` in MAR_HOME, as
 * the line the user reads. `doing` is a verb phrase: "create", "write".
 */
export function homeFailure(home: string, path: string, doing: string, error: unknown): MarError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const at = path === home ? '' : ` (${doing} ${path})`
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
    case 'EISDIR':
      return notADirectory(home, path, error) ?? homeError(home, `: cannot ${doing} ${path}: ${code}`, 'set MAR_HOME to another directory', error)
    case 'EACCES':
    case 'EPERM':
      if (path === home && doing === 'create') return homeError(home, ` cannot be created: permission denied in ${dirname(home)}`, `create it yourself ${ELSEWHERE} of yours`, error)
      return homeError(home, `: permission denied${at}`, `make it yours (chown, chmod u+rwx) ${ELSEWHERE} of yours`, error)
    case 'ENOSPC':
      return homeError(home, `: no space left on the device${at}`, `free some space ${ELSEWHERE} on another disk`, error)
    case 'EDQUOT':
      return homeError(home, `: disk quota exceeded${at}`, `free some space ${ELSEWHERE} on another disk`, error)
    case 'EROFS':
      return homeError(home, ` is on a read-only file system${at}`, `set MAR_HOME to a writable directory`, error)
    case 'ELOOP':
      return homeError(home, `: ${path === home ? 'too many symbolic links' : `${relative(home, path)} is a symbolic link, and mar follows none in MAR_HOME`}`, `remove ${path} (mar creates it again) ${ELSEWHERE}`, error)
    case 'ENAMETOOLONG':
      return homeError(home, `: path too long${at}`, 'set MAR_HOME to a shorter path', error)
    default:
      return homeError(home, `: cannot ${doing} ${path}: ${error instanceof Error ? error.message : String(error)}`, 'check the disk, or set MAR_HOME to another directory', error)
  }
}

/** Which path on the way to `path` is a file where a directory should be, said as an error; null when none is. */
function notADirectory(home: string, path: string, cause?: unknown): MarError | null {
  for (let at = path; ; at = dirname(at)) {
    const info = statQuietly(at)
    if (info && !info.isDirectory()) {
      if (at === home) return homeError(home, ' is a file, not a directory', 'remove it or set MAR_HOME to a directory', cause)
      const inside = !relative(home, at).startsWith('..')
      return inside
        ? homeError(home, `: ${relative(home, at)} is a file, not a directory`, `remove ${at} (mar creates it again) ${ELSEWHERE}`, cause)
        : homeError(home, ` cannot be created: ${at} is a file, not a directory`, 'set MAR_HOME to a directory', cause)
    }
    if (dirname(at) === at) return null
  }
}

/**
 * Whether MAR_HOME can be used. `use`: a client about to connect; nothing is
 * created, and a MAR_HOME that does not exist yet is fine (no daemon runs
 * there). `create`: make MAR_HOME and its subdirectories, private to this
 * user, and check that a file can be written there.
 */
export function vetHome(paths: MarPaths, mode: 'use' | 'create', options: {allowFull?: boolean} = {}): 'ok' | 'full' {
  const {home} = paths
  const tooLong =
    socketPathProblem(home, paths.socket) ?? socketPathProblem(home, join(paths.run, NOTIFY_SOCKET_SAMPLE), `${join(paths.run, 'n')}/… (a notify socket)`)
  if (tooLong) throw tooLong
  let info
  try {
    info = statSync(home, {throwIfNoEntry: false})
  } catch (error) {
    // ENOTDIR: a file further up; EACCES: a directory further up we may not enter.
    throw homeFailure(home, home, 'reach', error)
  }
  if (info && !info.isDirectory()) throw notADirectory(home, home)!
  // A directory of the user's that others may write to is made private when mar sets it up, refused when it is only used.
  if (info) mustBeOwn(home, home, info, 'directory', mode === 'create')
  if (!info) {
    if (mode === 'use') {
      const blocked = notADirectory(home, dirname(home))
      if (blocked) throw blocked
      return 'ok'
    }
    // Not recursive when the parent exists: Node's recursive mkdir loops for ever under /proc.
    attempt(home, home, 'create', () => mkdirSync(home, {recursive: !existsSync(dirname(home)), mode: 0o700}))
  }
  if (mode === 'use') {
    attempt(home, home, 'open', () => accessSync(home, constants.R_OK | constants.W_OK | constants.X_OK))
    vetContents(paths)
    return 'ok'
  }
  // An existing directory keeps its mode under mkdir: make sure it is private.
  attempt(home, home, 'change the mode of', () => chmodSync(home, 0o700))
  vetContents(paths)
  for (const dir of trustedDirs(paths)) {
    attempt(home, dir, 'create', () => mkdirSync(dir, {recursive: true, mode: 0o700}))
  }
  for (const file of trustedFiles(paths)) {
    if (statQuietly(file)?.isDirectory()) {
      throw homeError(home, `: ${relative(home, file)} is a directory, where mar keeps a file`, `remove ${file} ${ELSEWHERE}`)
    }
  }
  // Creating directories needs no free blocks; the logs, the journal and the pid file do.
  const probe = join(home, `.write-test-${process.pid}`)
  try {
    writeFileSync(probe, 'mar checks that MAR_HOME can be written\n', {mode: 0o600})
  } catch (error) {
    // A daemon must still come up on a full disk, to take over the services a previous one left: it then supervises from memory.
    const code = (error as NodeJS.ErrnoException).code
    if (options.allowFull && (code === 'ENOSPC' || code === 'EDQUOT')) return 'full'
    throw homeFailure(home, home, 'write', error)
  } finally {
    rmSync(probe, {force: true})
  }
  return 'ok'
}

/** The directories mar keeps in MAR_HOME, and trusts. */
const trustedDirs = (paths: MarPaths) => [paths.logs, paths.spool, paths.stacks, paths.run, paths.foreground]
/** The files mar keeps at MAR_HOME's top. */
const trustedFiles = (paths: MarPaths) => [paths.socket, paths.lock, join(paths.home, 'daemon.lock'), paths.daemonLog, paths.journal]

/** What exists of mar's own directories and files in MAR_HOME: each a real one (no link), the user's own, and (directories) writable by nobody else. */
function vetContents(paths: MarPaths): void {
  for (const [path, kind] of [...trustedDirs(paths).map((p) => [p, 'directory'] as const), ...trustedFiles(paths).map((p) => [p, 'file'] as const)]) {
    let info: Stats | undefined
    try {
      info = lstatSync(path, {throwIfNoEntry: false})
    } catch (error) {
      throw homeFailure(paths.home, path, 'reach', error)
    }
    if (!info) continue
    if (info.isSymbolicLink()) throw homeFailure(paths.home, path, 'open', Object.assign(new Error('symbolic link'), {code: 'ELOOP'}))
    mustBeOwn(paths.home, path, info, kind)
  }
}

/** StrictModes: owned by this user, and (a directory) writable by no one else. Root may not use another user's MAR_HOME either. */
function mustBeOwn(home: string, path: string, info: Stats, kind: 'directory' | 'file', fixMode = false): void {
  const uid = process.getuid?.()
  const name = path === home ? '' : `: ${relative(home, path)}`
  if (uid !== undefined && info.uid !== uid) {
    throw homeError(home, `${name} belongs to uid ${info.uid}, not to you (uid ${uid})`, `mar trusts only a MAR_HOME of your own: set MAR_HOME to a directory of yours${path === home ? '' : `, or remove ${path}`}`)
  }
  if (kind === 'directory' && (info.mode & 0o022) !== 0) {
    if (fixMode) return attempt(home, path, 'change the mode of', () => chmodSync(path, 0o700))
    throw homeError(home, `${name} can be written by others (mode ${(info.mode & 0o7777).toString(8)})`, `chmod 700 ${path}`)
  }
}

/** Run a start-up step that creates or opens `path` in MAR_HOME; its file-system error becomes homeFailure's line. */
export async function inHome<T>(home: string, path: string, doing: string, action: () => T | Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (error) {
    throw homeFailure(home, path, doing, error)
  }
}

function statQuietly(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path, {throwIfNoEntry: false})
  } catch {
    return undefined
  }
}

function attempt(home: string, path: string, doing: string, action: () => void): void {
  try {
    action()
  } catch (error) {
    throw homeFailure(home, path, doing, error)
  }
}
