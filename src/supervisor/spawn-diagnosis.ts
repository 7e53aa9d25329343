// Why a program cannot be started, told as what is wrong and what to do:
// the kernel's answer to execve() is one errno for several different
// mistakes (ENOENT for a missing program, a missing interpreter, a missing
// working directory; EACCES for a file without the x bit and for a
// directory), so the file itself is looked at to tell them apart. Used
// before spawning (exec.ts), after a spawn that failed anyway (a race), for
// a shell's exit 126/127 and by `mar validate`'s warnings — one wording for
// all of them.
import {accessSync, closeSync, constants, openSync, readSync, statSync} from 'node:fs'
import {delimiter, isAbsolute, join, resolve} from 'node:path'
import type {ReasonCode} from './reasons.js'

/** Why a program cannot be started. */
export interface SpawnProblem {
  reasonCode: Extract<ReasonCode, 'spawn-failed' | 'spawn-not-found' | 'spawn-not-executable'>
  message: string
}

/** Where a program is, or why it cannot be run. */
export type Diagnosis = {path: string} | {problem: SpawnProblem}

export const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin'

/**
 * Which spawn failures no retry can heal. The rule: a failure that only a
 * change to the configuration or the file system can cure (a missing or
 * non-executable program, interpreter or working directory, a file that is
 * no program, an argument list too long) fails the instance at once, state
 * `failed`, with no backoff loop — restarting it would only repeat the same
 * error for ever. A shortage of a resource that comes back by itself
 * (EAGAIN: too many processes, EMFILE/ENFILE: descriptors, ENOMEM, ETXTBSY:
 * the file is still being written) goes through the restart policy like a
 * crash, and so does any errno not listed here: when unsure, retry.
 */
const PERMANENT_ERRNOS = new Set(['ENOENT', 'EACCES', 'EPERM', 'ENOEXEC', 'ENOTDIR', 'EISDIR', 'ELOOP', 'ENAMETOOLONG', 'E2BIG', 'ELIBBAD'])

export function isPermanentErrno(errno: string | undefined): boolean {
  return errno !== undefined && PERMANENT_ERRNOS.has(errno)
}

/** The working directory, when it cannot be one. */
export function diagnoseCwd(cwd: string): SpawnProblem | null {
  const info = statSync(cwd, {throwIfNoEntry: false})
  if (!info) return {reasonCode: 'spawn-failed', message: `working directory ${cwd} does not exist — create it or change cwd: in the config`}
  if (!info.isDirectory()) return {reasonCode: 'spawn-failed', message: `working directory ${cwd} is not a directory — change cwd: in the config`}
  try {
    accessSync(cwd, constants.X_OK)
  } catch {
    return {reasonCode: 'spawn-failed', message: `working directory ${cwd} cannot be entered (permission denied)`}
  }
  return null
}

/** Find a program like execvp does (a name with a slash is a path from cwd, else a search of PATH) and check that it can run. */
export function diagnoseProgram(program: string, env: Record<string, string | undefined>, cwd: string): Diagnosis {
  if (program.includes('/')) {
    const full = isAbsolute(program) ? program : resolve(cwd, program)
    const found = inspect(full)
    if (found === 'missing') {
      const where = isAbsolute(program) ? 'no such file' : `no file ${full}; cwd ${cwd}`
      return {problem: {reasonCode: 'spawn-not-found', message: `${program} not found (${where})`}}
    }
    return found === 'ok' ? checkInterpreter(program, full, env, cwd) : {problem: notRunnable(program, full, found)}
  }
  const path = env.PATH ?? DEFAULT_PATH
  // execvp runs the first executable match, and reports EACCES only when no directory had one.
  let denied: {full: string; why: 'no-x' | 'directory'} | null = null
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    const full = join(isAbsolute(dir) ? dir : resolve(cwd, dir), program)
    const found = inspect(full)
    if (found === 'ok') return checkInterpreter(program, full, env, cwd)
    if (found !== 'missing' && !denied) denied = {full, why: found}
  }
  if (denied) return {problem: notRunnable(program, denied.full, denied.why)}
  return {problem: {reasonCode: 'spawn-not-found', message: `${program} not found on PATH (${path})`}}
}

/** The problem of a program that cannot run, or null when it can. */
export function programProblem(program: string, env: Record<string, string | undefined>, cwd: string): SpawnProblem | null {
  const diagnosis = diagnoseProgram(program, env, cwd)
  return 'problem' in diagnosis ? diagnosis.problem : null
}

type Found = 'ok' | 'missing' | 'no-x' | 'directory'

function inspect(full: string): Found {
  const info = statSync(full, {throwIfNoEntry: false})
  if (!info) return 'missing'
  if (info.isDirectory()) return 'directory'
  try {
    // Like execve: root too needs at least one x bit.
    accessSync(full, constants.X_OK)
    return info.isFile() ? 'ok' : 'no-x'
  } catch {
    return 'no-x'
  }
}

function notRunnable(program: string, full: string, why: 'no-x' | 'directory'): SpawnProblem {
  const shown = program.includes('/') ? program : `${program} (${full})`
  if (why === 'directory') return {reasonCode: 'spawn-not-executable', message: `${shown} is a directory, not a program`}
  const target = program.includes('/') ? program : full
  // `sh FILE` only helps a script; a compiled program just needs its x bit.
  const orShell = isElf(full) ? '' : ` or run it as 'sh ${target}'`
  return {reasonCode: 'spawn-not-executable', message: `${shown} is not executable — chmod +x ${target}${orShell}`}
}

/** The start of a file, or '' when it cannot be read. */
function head(full: string, bytes = 256): Buffer {
  let fd: number | undefined
  try {
    fd = openSync(full, 'r')
    const buffer = Buffer.alloc(bytes)
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0))
  } catch {
    return Buffer.alloc(0)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function isElf(full: string): boolean {
  return head(full, 4).toString('latin1') === '\x7fELF'
}

/**
 * A script's `#!` line names a program the kernel runs in its place; when
 * that one is missing execve says ENOENT as if the script were. `#!/usr/bin/env
 * NAME` finds NAME on PATH only once it runs (and then exits 127), so that
 * search is done here too.
 */
function checkInterpreter(program: string, full: string, env: Record<string, string | undefined>, cwd: string): Diagnosis {
  const start = head(full)
  if (start.subarray(0, 2).toString('latin1') !== '#!') return {path: full}
  const line = start.toString('latin1').slice(2).split('\n')[0]!
  const crlf = line.endsWith('\r')
  const [interpreter, ...args] = line.replace(/\r$/, '').trim().split(/[ \t]+/)
  if (!interpreter) return {path: full}
  if (crlf && args.length === 0) {
    return {problem: {reasonCode: 'spawn-not-found', message: `${program}: interpreter ${interpreter} not found — the file has Windows (CRLF) line endings; convert it with dos2unix ${program}`}}
  }
  const found = inspect(resolve(cwd, interpreter))
  if (found === 'missing') return {problem: {reasonCode: 'spawn-not-found', message: `${program}: interpreter ${interpreter} not found`}}
  if (found !== 'ok') return {problem: {reasonCode: 'spawn-not-executable', message: `${program}: interpreter ${interpreter} is not executable`}}
  const viaEnv = /(^|\/)env$/.test(interpreter) && args.length === 1 && !args[0]!.startsWith('-') && !args[0]!.includes('=') ? args[0]! : null
  if (viaEnv && !viaEnv.includes('/')) {
    const inner = diagnoseProgram(viaEnv, env, cwd)
    if ('problem' in inner) return {problem: {...inner.problem, message: `${program}: interpreter ${inner.problem.message}`}}
  }
  return {path: full}
}
