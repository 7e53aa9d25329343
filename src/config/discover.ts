// Which file is the config: `-c FILE` (a directory means "look in there"),
// else the first mar.yaml or mar.yml in cwd or a parent, else the first
// Procfile in cwd or a parent (README, "Configuration reference": a mar.yaml anywhere up the tree
// wins over a Procfile).
import {statSync} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'
import type {ConfigIssue, StackPlan} from './types.js'

export const CONFIG_NAMES = ['mar.yaml', 'mar.yml'] as const
export const PROCFILE = 'Procfile'

export interface Discovered {
  file: string
  format: StackPlan['format']
}

// Synchronous: a handful of stats, and node:fs/promises would cost the
// plainest commands (status, down) its load time.
async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  const info = statSync(path, {throwIfNoEntry: false})
  return info === undefined ? undefined : info.isDirectory() ? 'dir' : 'file'
}

export function formatOf(file: string): StackPlan['format'] {
  return /procfile/i.test(basename(file)) ? 'procfile' : 'mar.yaml'
}

async function findUp(start: string, names: readonly string[]): Promise<string | undefined> {
  let dir = start
  for (;;) {
    for (const name of names) {
      const candidate = join(dir, name)
      if ((await kind(candidate)) === 'file') return candidate
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

export async function discoverConfig(cwd: string, configPath?: string): Promise<Discovered | ConfigIssue> {
  if (configPath !== undefined) {
    const file = resolve(cwd, configPath)
    const what = await kind(file)
    if (what === 'file') return {file, format: formatOf(file)}
    if (what === 'dir') {
      for (const name of [...CONFIG_NAMES, PROCFILE]) if ((await kind(join(file, name))) === 'file') return {file: join(file, name), format: formatOf(name)}
      return {code: 'not-found', file: '', message: `no mar.yaml, mar.yml or Procfile in ${file}`, hint: 'run `mar init` there to create one'}
    }
    return {code: 'not-found', file: '', message: `config file ${configPath} not found`, hint: 'check the path given to -c/--config'}
  }
  const found = (await findUp(cwd, CONFIG_NAMES)) ?? (await findUp(cwd, [PROCFILE]))
  if (found) return {file: found, format: formatOf(found)}
  return {code: 'not-found', file: '', message: `no mar.yaml, mar.yml or Procfile found in ${cwd} or its parents`, hint: 'run `mar init` to create one'}
}
