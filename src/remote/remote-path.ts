// Paths on another machine. The config is read here, but a remote host's
// home directory is known only there, so a plan names it `~`: a remote
// instance's cwd is absolute, `~` or `~/…`, and the daemon that runs the
// instance (the host's own) puts its home in place of the `~` (expandHome).
// Always POSIX: the hosts mar reaches over ssh are Linux machines.
import {posix} from 'node:path'

/** `~` or `~/…`: relative to the home of whoever runs the instance. */
export function isHomePath(path: string): boolean {
  return path === '~' || path.startsWith('~/')
}

/** Absolute, `~` or `~/…`: a path any daemon can resolve without knowing the config's directory. */
export function isHostPath(path: string): boolean {
  return posix.isAbsolute(path) || isHomePath(path)
}

/** `path` under `base` (absolute or home-relative), normalised; `path` absolute or home-relative stands alone. */
export function joinHostPath(base: string, path: string): string {
  if (isHostPath(path)) return tidy(path)
  return tidy(base === '~' ? `~/${path}` : `${base}/${path}`)
}

/**
 * A host's `dir:` as the plan keeps it: absolute, or under the remote home
 * (`~`, `~/app`, and a relative `app` means `~/app`). Undefined: the home.
 */
export function hostDir(dir: string | undefined): string {
  return dir === undefined ? '~' : joinHostPath('~', dir)
}

/** A remote instance's working directory: the runner's `cwd` under the host's `dir` (default the home). */
export function remoteCwd(dir: string | undefined, cwd: string | undefined): string {
  const base = hostDir(dir)
  return cwd === undefined ? base : joinHostPath(base, cwd)
}

/** `~` and `~/…` under `home`; any other path unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home
  return path.startsWith('~/') ? posix.join(home, path.slice(2)) : path
}

function tidy(path: string): string {
  if (!isHomePath(path)) return posix.normalize(path)
  const rest = posix.normalize(path.slice(2) || '.')
  return rest === '.' ? '~' : `~/${rest.replace(/\/$/, '')}`
}
