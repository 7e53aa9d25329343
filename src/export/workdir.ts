// Where a runner works once exported. mar resolves `cwd` against the
// stack's directory — the config file's, or a host's `dir:` — which means
// nothing inside a container image or on a Nomad client unless the team
// says where the stack lives there: --workdir, or a host's `dir:` naming a
// path that exists on the engine's machines as well.
import {isAbsolute, posix} from 'node:path'
import {hostDir, isHomePath} from '../remote/remote-path.js'
import type {InstancePlan, StackPlan} from '../config/types.js'

export type Workdir = {dir?: string} | {problem: string}

/** The stack's directory on the instance's host and, when under it, the instance's cwd relative to it. */
function split(plan: StackPlan, instance: InstancePlan): {base: string; declared: boolean; rel: string | null} {
  const host = plan.hosts.find((h) => h.name === instance.host)
  const base = host?.ssh ? hostDir(host.dir) : (host?.dir ?? plan.dir)
  const declared = host?.dir !== undefined
  let rel: string | null
  if (isHomePath(base) !== isHomePath(instance.cwd)) rel = null
  else {
    const r = isHomePath(base) ? posix.relative(`/${base.slice(1)}`, `/${instance.cwd.slice(1)}`) : posix.relative(base, instance.cwd)
    rel = r.startsWith('..') || isAbsolute(r) ? null : r
  }
  return {base, declared, rel}
}

/**
 * The working directory to write for an instance.
 * `workdir`: the stack's directory on the engine's machines (--workdir).
 * `baseKnown`: whether, without --workdir, the stack's directory here is also
 * where it is there — true for Nomad's raw_exec (the same machines, or
 * machines laid out like them); for a container image only a host's `dir:` says so.
 */
export function exportWorkdir(plan: StackPlan, instance: InstancePlan, workdir: string | undefined, baseKnown: boolean): Workdir {
  const {base, declared, rel} = split(plan, instance)
  if (rel === null) {
    // Outside the stack's directory (`cwd: /srv/data`): the same path there.
    if (isHomePath(instance.cwd)) return {problem: `cwd ${instance.cwd} is under the home directory of host ${instance.host}, which the engine does not know`}
    return {dir: instance.cwd}
  }
  if (workdir !== undefined) return {dir: posix.join(workdir, rel)}
  if (baseKnown || declared) {
    if (isHomePath(base)) return {problem: `cwd ${instance.cwd} is under the home directory of host ${instance.host}, which the engine does not know`}
    return {dir: instance.cwd}
  }
  if (rel === '') return {}
  return {problem: `cwd ${rel} is relative to the stack's directory, which is not known in the image`}
}
