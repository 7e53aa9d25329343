// Turning a CommandSpec into what gets executed. Nothing here builds a shell
// string from names, args or env: a string command is exactly what the user
// wrote, handed to /bin/sh -c; an argv never meets a shell.
import type {CommandSpec} from './spec.js'
import {diagnoseCwd, diagnoseProgram, type Diagnosis, type SpawnProblem} from './spawn-diagnosis.js'
import {SET_MARKER} from './marker.js'

export type {SpawnProblem} from './spawn-diagnosis.js'

export interface Argv {
  file: string
  args: string[]
}

export function toArgv(command: CommandSpec): Argv {
  if ('shell' in command) {
    const words = plainWords(command.shell)
    if (words) return {file: words[0]!, args: words.slice(1)}
    return {file: '/bin/sh', args: ['-c', isSimpleCommand(command.shell) ? `exec ${command.shell}` : command.shell]}
  }
  const [file = '', ...args] = command.argv
  return {file, args}
}

/** Characters that mean nothing to sh: a string made only of these and blanks is just words. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/

/**
 * The words of a string command with no shell syntax at all (no quotes,
 * variables, globs, redirections, operators, comments or `~`), whose first
 * word is a program rather than a builtin or an assignment. `/bin/sh -c
 * 'exec WORDS'` would exec exactly these, so mar execs them itself and saves
 * a shell per start. The one thing sh adds, PWD in the environment, the
 * spawner adds too (shellEnv).
 */
export function plainWords(shell: string): string[] | null {
  const words = shell.split(/[ \t]+/).filter((word) => word !== '')
  if (words.length === 0 || !words.every((word) => PLAIN.test(word))) return null
  return runsProgram(words[0]!) ? words : null
}

/** What `/bin/sh -c` puts in a program's environment on its way (dash and bash export PWD). */
export function shellEnv(command: CommandSpec, cwd: string): Record<string, string> {
  return 'shell' in command ? {PWD: cwd} : {}
}

/** The line a shell runs first to move itself into the instance's cgroup; the path comes from the environment. */
const ENTER_CGROUP = 'echo $$ > "$MAR_CGROUP_PROCS" 2>/dev/null; unset MAR_CGROUP_PROCS\n'

/**
 * Run a command inside the cgroup whose cgroup.procs is `procsFile`: the
 * shell moves itself there before it runs anything, so the program and every
 * process it forks start inside the cgroup (no race with a fast fork). A
 * string command gets that first line in its own shell (one shell, as
 * without a cgroup); an argv gets a tiny sh that moves itself and then execs
 * it. The path travels in the environment or as a positional parameter,
 * never as code.
 */
export function commandInCgroup(command: CommandSpec, procsFile: string): {argv: Argv; env: Record<string, string>} {
  if ('shell' in command && !plainWords(command.shell)) {
    const script = isSimpleCommand(command.shell) ? `exec ${command.shell}` : command.shell
    return {argv: {file: '/bin/sh', args: ['-c', ENTER_CGROUP + script]}, env: {MAR_CGROUP_PROCS: procsFile}}
  }
  const argv = toArgv(command)
  return {
    argv: {file: '/bin/sh', args: ['-c', 'echo $$ > "$1" 2>/dev/null; shift; exec "$@"', 'mar-cgroup', procsFile, argv.file, ...argv.args]},
    env: {},
  }
}

/**
 * Run a command with the containment marker set in its first process (see
 * marker.ts), the same way: a string command gets the line in its own
 * shell, an argv or plain words a tiny sh that sets it and execs them — one
 * exec more per start, as with a cgroup. The value travels in the
 * environment, which the line then unsets.
 */
export function commandWithMarker(command: CommandSpec, marker: number): {argv: Argv; env: Record<string, string>} {
  const env = {MAR_MARKER: String(marker)}
  if ('shell' in command && !plainWords(command.shell)) {
    const script = isSimpleCommand(command.shell) ? `exec ${command.shell}` : command.shell
    return {argv: {file: '/bin/sh', args: ['-c', SET_MARKER + script]}, env}
  }
  const argv = toArgv(command)
  return {argv: {file: '/bin/sh', args: ['-c', `${SET_MARKER}exec "$@"`, 'mar-marker', argv.file, ...argv.args]}, env}
}

/**
 * A single command with no shell operators. For these, sh is told to `exec`
 * it (dash, unlike bash, does not do so by itself), so the program — not a
 * shell around it — is the instance's main process: its exit status is what
 * mar reports, and the stop signal reaches it rather than a shell that dies first.
 */
export function isSimpleCommand(shell: string): boolean {
  if (/[\n;&|()`]/.test(shell) || shell.trim() === '') return false
  return runsProgram(/^\s*(\S+)/.exec(shell)?.[1] ?? '')
}

/** Whether a command's first word names a program: not an assignment (`A=1 cmd`), a builtin or a keyword. */
function runsProgram(first: string): boolean {
  return first !== '' && !first.includes('=') && !shellWords.has(first)
}

const shellWords = new Set(
  (
    '. : [ alias bg break cd chdir command continue echo eval exec exit export false fg getopts hash jobs kill ' +
    'local printf pwd read readonly return set shift test times trap true type ulimit umask unalias unset wait ' +
    '! { } ( case do done elif else esac fi for if in then until while'
  ).split(' '),
)

/** The program a command will run, when it can be known without running a shell. */
export function programOf(command: CommandSpec): string | null {
  if ('argv' in command) return command.argv[0] ?? null
  const first = /^\s*([^\s;&|<>()$`'"\\]+)(?=\s|$)/.exec(command.shell)?.[1]
  return first && runsProgram(first) ? first : null
}

/**
 * What was found about a program, for a moment: starting 200 instances of
 * one command would otherwise search every PATH directory 200 times.
 */
const RESOLVED_MS = 1000
const resolved = new Map<string, {at: number; diagnosis: Diagnosis}>()

/** Find a program like execvp would (a path relative to cwd, or a search of PATH) and say whether it can run. */
export function locateProgram(program: string, env: Record<string, string>, cwd: string): Diagnosis {
  const key = `${program}\0${cwd}\0${env.PATH ?? ''}`
  const now = performance.now()
  const hit = resolved.get(key)
  if (hit && now - hit.at < RESOLVED_MS) return hit.diagnosis
  const diagnosis = diagnoseProgram(program, env, cwd)
  // Only a program that was found: one that was not is looked for afresh, so a `chmod +x` and a `mar start` right after it work.
  if ('problem' in diagnosis) return diagnosis
  if (resolved.size > 1000) resolved.clear()
  resolved.set(key, {at: now, diagnosis})
  return diagnosis
}

/** Where a program is, or null when it cannot be run. */
export function resolveProgram(program: string, env: Record<string, string>, cwd: string): string | null {
  const diagnosis = locateProgram(program, env, cwd)
  return 'path' in diagnosis ? diagnosis.path : null
}

/** Why a command cannot start, when that can be told before spawning; null when it looks runnable. */
export function precheckCommand(command: CommandSpec, env: Record<string, string>, cwd: string): SpawnProblem | null {
  const badCwd = diagnoseCwd(cwd)
  if (badCwd) return badCwd
  const program = programOf(command)
  if (program === null) return 'argv' in command ? {reasonCode: 'spawn-failed', message: 'empty command'} : null
  const diagnosis = locateProgram(program, env, cwd)
  return 'problem' in diagnosis ? diagnosis.problem : null
}
