// Which stack a command means: the one whose config is found from the
// current directory (or -c), unless a target names its stack (shop/web).
import {discoverConfig} from '../config/discover.js'
import type {StackRef} from '../api/protocol.js'
import {ExitCode, MarError} from '../util/errors.js'

export async function stackRefFor(configFlag: string | undefined, cwd = process.cwd()): Promise<StackRef | null> {
  const found = await discoverConfig(cwd, configFlag)
  if ('code' in found) {
    if (configFlag !== undefined) throw new MarError('config-not-found', found.message, {hint: found.hint, exitCode: ExitCode.usage})
    return null
  }
  return {config: found.file}
}

/** Targets grouped by the stack they address; no targets means the default stack as a whole. */
export function splitByStack(targets: string[], fallback: StackRef | null): Array<{ref: StackRef; targets: string[]}> {
  const groups = new Map<string, {ref: StackRef; targets: string[]}>()
  const add = (key: string, ref: StackRef, target?: string) => {
    const group = groups.get(key) ?? {ref, targets: []}
    if (target !== undefined) group.targets.push(target)
    groups.set(key, group)
  }
  const needFallback = () => {
    if (fallback) return fallback
    throw new MarError('no-stack', 'no mar.yaml, mar.yml or Procfile found here or in a parent directory', {
      hint: 'run this in the stack\'s directory, pass -c FILE, or name the stack: STACK/TARGET',
      exitCode: ExitCode.usage,
    })
  }
  if (targets.length === 0) add('default', needFallback())
  for (const target of targets) {
    const slash = target.indexOf('/')
    if (slash > 0) add(`name:${target.slice(0, slash)}`, {name: target.slice(0, slash)}, target)
    // With no config here, a bare word can only be a stack: `mar down shop` from anywhere.
    else if (!fallback) add(`name:${target}`, {name: target}, `${target}/${target}`)
    else add('default', fallback, target)
  }
  return [...groups.values()]
}
