// loadStack: find the config, read it, parse it (YAML or Procfile), and
// plan it. The one entry point the CLI, the daemon and tests use; it never
// throws for bad input — problems come back as data (ConfigIssue[]).
import {discoverConfig} from './discover.js'
import {sanitizeIssues, sortIssues} from './issues.js'
import {escapeControl} from '../util/terminal-text.js'
import {LIMITS} from './limits.js'
import {readLimited} from './read-limited.js'
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
  /** Scale of some runners for this session (see PlanOptions.scale). */
  scale?: Record<string, number>
}

export type LoadResult = PlanResult

export async function loadStack(options: LoadOptions): Promise<LoadResult> {
  const found = await discoverConfig(options.cwd, options.configPath)
  if ('code' in found) return {ok: false, errors: sanitizeIssues([found])}
  const read = readLimited(found.file, LIMITS.configBytes)
  if (!read.ok) {
    const issue: ConfigIssue =
      read.reason === 'missing'
        ? {code: 'not-found', file: '', message: `config file ${found.file} not found`}
        : {code: 'unreadable-file', file: found.file, message: `cannot read the config file: ${read.detail}`, hint: read.reason === 'unreadable' ? 'check its permissions' : read.reason === 'too-big' ? 'a mar.yaml is a few kilobytes: is this the right file?' : 'name the mar.yaml itself with -c'}
    return {ok: false, errors: sanitizeIssues([issue])}
  }
  const text = read.text
  const parsed = found.format === 'procfile' ? {...parseProcfile(found.file, text), fatal: false} : parseYamlSource(found.file, text)
  if (parsed.fatal) return {ok: false, errors: sanitizeIssues(parsed.issues)}
  const result = planStack(parsed.source, {format: found.format, env: options.env, cwd: options.cwd, scale: options.scale})
  if (result.ok) result.inputs.unshift([found.file, text])
  // Warnings quote values too (a missing env_file's name): escaped like issues.
  if (result.ok) result.warnings = result.warnings.map(escapeControl)
  if (parsed.issues.length === 0) return result.ok ? result : {ok: false, errors: sanitizeIssues(result.errors)}
  const errors = [...parsed.issues, ...(result.ok ? [] : result.errors)]
  return {ok: false, errors: sanitizeIssues(sortIssues(errors))}
}
