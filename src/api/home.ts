// Where mar keeps its state: everything under MAR_HOME (default ~/.mar), a
// directory only its user can enter. The daemon lives there (its socket),
// so finding it starts here — for the CLI and for any client of the API.
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'
import {vetHome} from './home-vet.js'

export interface MarPaths {
  home: string
  /** The daemon's control socket (mode 0600). */
  socket: string
  /**
   * MAR_HOME/daemon.pid: only a record of the running daemon's pid, written
   * once it holds the lock. The single-instance lock itself is an
   * abstract-namespace socket (src/daemon/server.ts), not this file.
   */
  lock: string
  /** The daemon's own diagnostics when it runs in the background. */
  daemonLog: string
  /** Captured output: logs/<stack>/<instance>/, plain text. */
  logs: string
  /** What children write before the daemon copies it into logs/: spool/<stack>/<instance>/. */
  spool: string
  /** One JSON plan per stack that is up. */
  stacks: string
  /** Append-only record of spawns and exits, for adoption. */
  journal: string
  /** Short-lived runtime files: notify sockets. */
  run: string
  /** Stacks that `mar up -f` runs: a socket (and a journal) per stack. */
  foreground: string
}

export function marHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.MAR_HOME && env.MAR_HOME !== '' ? env.MAR_HOME : join(homedir(), '.mar'))
}

export function marPaths(home: string = marHome()): MarPaths {
  return {
    home,
    socket: join(home, 'daemon.sock'),
    lock: join(home, 'daemon.pid'),
    daemonLog: join(home, 'daemon.log'),
    logs: join(home, 'logs'),
    spool: join(home, 'spool'),
    stacks: join(home, 'stacks'),
    journal: join(home, 'journal.jsonl'),
    run: join(home, 'run'),
    foreground: join(home, 'foreground'),
  }
}

/**
 * Create MAR_HOME and its subdirectories, private to this user; a MAR_HOME
 * that cannot be one is a clear error (exit 3). The checks live in home-vet.ts.
 */
export function ensureHome(paths: MarPaths, options: {allowFull?: boolean} = {}): 'ok' | 'full' {
  return vetHome(paths, 'create', options)
}

/** A file-system-safe form of a stack or instance name. */
export function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_')
  return cleaned === '' ? '_' : cleaned
}

/** The socket a `mar up -f` of this stack serves its API on. */
export function foregroundSocket(paths: MarPaths, stack: string): string {
  return join(paths.foreground, `${safeName(stack)}.sock`)
}
