// One cgroup v2 per instance where the hierarchy is writable, so that a stop
// ends with cgroup.kill and not even a grandchild that called setsid and
// double-forked survives. Elsewhere mar falls back to process groups plus a
// marker every process inherits (marker.ts), and says which mode is in use.
import {readdirSync, mkdirSync, rmdirSync, writeFileSync, existsSync, accessSync, constants} from 'node:fs'
import {join} from 'node:path'
import {release} from 'node:os'
import {readSmallText} from '../util/read-small.js'
import {markerProblem, markerWorks} from './marker.js'

export type ContainmentMode = 'cgroup' | 'process-group'

export interface Cgroup {
  readonly path: string
  /** Pids in the group now (live processes only: the kernel drops exited tasks). */
  members(): number[]
  /** Kill every process in the group (cgroup.kill). */
  kill(): void
  /** memory.current when the memory controller is on, else null. */
  memoryCurrent(): number | null
  /** rmdir it; true when it is gone. */
  remove(): boolean
}

export interface CgroupManager {
  readonly mode: ContainmentMode
  /** Why this mode: shown by validate and status. */
  readonly reason: string
  /** Whether memory.max / cpu.max can be set for `resources`. */
  readonly enforcesResources: boolean
  create(name: string, resources?: {cpu?: number; memory?: number}): Cgroup | null
  /** Remove this manager's (empty) namespace directory. */
  dispose(): void
  /** The instance cgroups that exist now (to find leftovers no daemon tracks). */
  list(): Cgroup[]
}

/** The cgroup2 mount point, from /proc/mounts (hybrid layouts put it at /sys/fs/cgroup/unified). */
export function findCgroup2Mount(mounts = safeRead('/proc/mounts')): string | null {
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type] = line.split(' ')
    if (type === 'cgroup2' && mountPoint) return mountPoint
  }
  return null
}

/** This process's own cgroup v2 path ("0::/path" line of /proc/self/cgroup). */
export function ownCgroupPath(text = safeRead('/proc/self/cgroup')): string {
  const line = text.split('\n').find((l) => l.startsWith('0::'))
  return line ? line.slice(3) : '/'
}

function safeRead(path: string): string {
  return readSmallText(path) ?? ''
}

export interface ContainmentProbe {
  mode: ContainmentMode
  reason: string
  enforcesResources: boolean
}

/**
 * Which containment a daemon or `mar up -f` would use here, found without
 * creating anything (for `mar validate` and `mar status`).
 */
export function probeContainment(): ContainmentProbe {
  if (process.env.MAR_CGROUPS === '0') return {mode: 'process-group', reason: 'cgroups disabled (MAR_CGROUPS=0)', enforcesResources: false}
  const mount = findCgroup2Mount()
  if (!mount) return {mode: 'process-group', reason: 'no cgroup v2 hierarchy is mounted', enforcesResources: false}
  const parent = join(mount, ownCgroupPath())
  try {
    accessSync(parent, constants.W_OK)
  } catch {
    return {mode: 'process-group', reason: `cgroup v2 at ${parent} is not writable`, enforcesResources: false}
  }
  const [major = 0, minor = 0] = release().split('.').map(Number)
  if (major < 5 || (major === 5 && minor < 14)) return {mode: 'process-group', reason: 'kernel lacks cgroup.kill (needs Linux 5.14)', enforcesResources: false}
  const controllers = safeRead(join(parent, 'cgroup.controllers')).split(/\s+/)
  return {mode: 'cgroup', reason: `cgroup v2 at ${parent}`, enforcesResources: controllers.includes('memory') && controllers.includes('cpu')}
}

export function describeContainment(probe: ContainmentProbe): string {
  // Without a cgroup, what finds the processes that left the group says how far containment goes.
  const mode =
    probe.mode === 'cgroup'
      ? 'a cgroup per instance'
      : markerWorks()
        ? 'process groups and a marker every process inherits (its file-locks limit)'
        : `process groups and MAR_RUN_ID in the environment (no marker: ${markerProblem()})`
  return `${mode} (${probe.reason}); resources ${probe.enforcesResources ? 'enforced' : 'not enforced'}`
}

const noCgroups = (reason: string): CgroupManager => ({
  mode: 'process-group',
  reason,
  enforcesResources: false,
  create: () => null,
  dispose: () => {},
  list: () => [],
})

/**
 * Decide the containment mode. `namespace` keeps concurrent daemons (and
 * tests) apart: instance cgroups live in <mount><own path>/mar/<namespace>/.
 */
export function createCgroupManager(options: {namespace: string; disabled?: boolean}): CgroupManager {
  if (options.disabled || process.env.MAR_CGROUPS === '0') return noCgroups('cgroups disabled (MAR_CGROUPS=0)')
  const mount = findCgroup2Mount()
  if (!mount) return noCgroups('no cgroup v2 hierarchy is mounted')
  const own = ownCgroupPath()
  const parent = join(mount, own)
  const base = join(parent, 'mar', sanitize(options.namespace))
  try {
    mkdirSync(base, {recursive: true})
    accessSync(join(base, 'cgroup.procs'), constants.W_OK)
  } catch (error) {
    return noCgroups(`cgroup v2 at ${parent} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  if (!existsSync(join(base, 'cgroup.kill'))) return noCgroups('kernel lacks cgroup.kill (needs Linux 5.14)')
  const enforcesResources = enableControllers(join(parent, 'mar'), base)
  return {
    mode: 'cgroup',
    reason: `cgroup v2 at ${base}`,
    enforcesResources,
    create(name, resources) {
      const path = join(base, sanitize(name))
      try {
        mkdirSync(path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return null
      }
      if (enforcesResources && resources) applyResources(path, resources)
      return openCgroup(path)
    },
    dispose() {
      // Instance cgroups left empty (their removal raced the kernel's teardown) go first.
      for (const child of this.list()) if (child.members().length === 0) child.remove()
      openCgroup(base).remove()
    },
    list() {
      try {
        return readdirSync(base, {withFileTypes: true})
          .filter((entry) => entry.isDirectory())
          .map((entry) => openCgroup(join(base, entry.name)))
      } catch {
        return []
      }
    },
  }
}

/** Try to turn on memory and cpu controllers down to `base`; false where the hierarchy does not allow it. */
function enableControllers(marDir: string, base: string): boolean {
  const available = safeRead(join(marDir, 'cgroup.controllers')).split(/\s+/)
  if (!available.includes('memory')) return false
  try {
    writeFileSync(join(marDir, 'cgroup.subtree_control'), '+memory +cpu')
    writeFileSync(join(base, 'cgroup.subtree_control'), '+memory +cpu')
    return true
  } catch {
    return false
  }
}

function applyResources(path: string, resources: {cpu?: number; memory?: number}): void {
  try {
    if (resources.memory) writeFileSync(join(path, 'memory.max'), String(resources.memory))
    // cpu.max is "QUOTA PERIOD": 0.5 cpu = 50 ms of every 100 ms.
    if (resources.cpu) writeFileSync(join(path, 'cpu.max'), `${Math.round(resources.cpu * 100_000)} 100000`)
  } catch {
    // Best effort: the cgroup still contains and kills; only the limit is missing.
  }
}

export function openCgroup(path: string): Cgroup {
  return {
    path,
    members() {
      return safeRead(join(path, 'cgroup.procs'))
        .split('\n')
        .filter(Boolean)
        .map(Number)
    },
    kill() {
      try {
        writeFileSync(join(path, 'cgroup.kill'), '1')
      } catch {
        // Already removed, or nothing left to kill.
      }
    },
    memoryCurrent() {
      const text = safeRead(join(path, 'memory.current')).trim()
      return text ? Number(text) : null
    },
    remove() {
      try {
        rmdirSync(path)
        return true
      } catch (error) {
        // EBUSY while the kernel finishes tearing down tasks: the caller may retry,
        // and the daemon's sweep removes what is left; an empty cgroup costs nothing.
        return (error as NodeJS.ErrnoException).code === 'ENOENT'
      }
    },
  }
}

/**
 * `mar up -f` killed with SIGKILL cannot clean up after itself: its
 * instances run on as orphans. The cgroups of foreground runs whose process
 * is gone are killed and removed.
 */
export function sweepStaleForeground(): void {
  const mount = findCgroup2Mount()
  if (!mount) return
  const marDir = join(mount, ownCgroupPath(), 'mar')
  let names: string[] = []
  try {
    names = readdirSync(marDir).filter((n) => /^fg-\d+$/.test(n))
  } catch {
    return
  }
  for (const name of names) {
    if (existsSync(`/proc/${name.slice(3)}`)) continue
    const dir = openCgroup(join(marDir, name))
    try {
      for (const child of readdirSync(dir.path, {withFileTypes: true})) {
        if (!child.isDirectory()) continue
        const cgroup = openCgroup(join(dir.path, child.name))
        if (cgroup.members().length > 0) cgroup.kill()
        cgroup.remove()
      }
    } catch {
      // raced with another sweep
    }
    dir.remove()
  }
}

/** Cgroup directory names from user-chosen names: no slashes, no dot-files. */
export function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_')
}
