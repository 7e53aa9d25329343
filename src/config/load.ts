// loadStack: find the config, read it, parse it (YAML or Procfile), and
// plan it. The one entry point the CLI, the daemon and tests use; it never
// throws for bad input — problems come back as data (ConfigIssue[]).
import {readFile} from 'node:fs/promises'
import {discoverConfig} from './discover.js'
import {sortIssues} from './issues.js'
import {planStack, type PlanResult} from './plan.js'
import {parseProcfile} from './procfile.js'
import {parseYamlSource} from './yaml-source.js'
import type {ConfigIssue} from './types.js'

export interface LoadOptions {
  cwd: string
  /** `-c/--config`: a file (or a directory to look in), relative to cwd. */
  configPath?: string
  /** The environment to interpolate from and pass to children (usually process.env). */
  env: Record<string, string | undefined>
}

export type LoadResult = PlanResult

export async function loadStack(options: LoadOptions): Promise<LoadResult> {
  const found = await discoverConfig(options.cwd, options.configPath)
  if ('code' in found) return {ok: false, errors: [found]}
  let text: string
  try {
    text = await readFile(found.file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const issue: ConfigIssue =
      code === 'ENOENT'
        ? {code: 'not-found', file: '', message: `config file ${found.file} not found`}
        : {code: 'unreadable-file', file: found.file, message: `cannot read the config file: ${code === 'EACCES' ? 'permission denied' : (error as Error).message}`, hint: code === 'EACCES' ? 'check its permissions' : undefined}
    return {ok: false, errors: [issue]}
  }
  const parsed = found.format === 'procfile' ? {...parseProcfile(found.file, text), fatal: false} : parseYamlSource(found.file, text)
  if (parsed.fatal) return {ok: false, errors: parsed.issues}
  const result = planStack(parsed.source, {format: found.format, env: options.env, cwd: options.cwd})
  if (result.ok) result.inputs.unshift([found.file, text])
  if (parsed.issues.length === 0) return result
  const errors = [...parsed.issues, ...(result.ok ? [] : result.errors)]
  return {ok: false, errors: sortIssues(errors)}
}
