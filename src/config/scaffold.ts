// What `mar init` writes: the commented template, or a mar.yaml converted
// from a Procfile or from package.json scripts. Pure text in, text out (the
// command does the file I/O), so conversions are tested without a CLI.
import {basename, isAbsolute, relative} from 'node:path'
import {stringify} from 'yaml'
import {parseProcfile} from './procfile.js'
import {didYouMean} from './suggest.js'
import type {ConfigIssue} from './types.js'
import {shellWord} from '../util/format.js'

export const MODELINE = '# yaml-language-server: $schema='

/**
 * The editor modeline for a mar.yaml at `target`: a relative path when the
 * schema lies inside the project (mar installed in ./node_modules, or this
 * repository's own examples), else the absolute path of the installed
 * package's schema (a global install), which works on this machine.
 */
export function schemaModeline(targetDir: string, schemaFile: string): string {
  const rel = relative(targetDir, schemaFile)
  const inside = !rel.startsWith('..') && !isAbsolute(rel)
  return `${MODELINE}${inside ? `./${rel}` : schemaFile}`
}

/** Replace the template's modeline (its first line) with one for the target. */
export function withModeline(text: string, modeline: string): string {
  const lines = text.split('\n')
  if (lines[0]?.startsWith(MODELINE)) lines[0] = modeline
  else lines.unshift(modeline)
  return lines.join('\n')
}

function bodyYaml(body: {name: string; env_file?: string; runners: Record<string, string>}): string {
  return stringify(body, {lineWidth: 0})
}

export type Conversion = {ok: true; text: string; runners: string[]; notes: string[]} | {ok: false; issues: ConfigIssue[]}

/** A Procfile → the short form (one parallel group); `.env` beside it becomes env_file. */
export function convertProcfile(file: string, text: string, options: {modeline: string; hasEnvFile: boolean; name: string}): Conversion {
  const {source, issues} = parseProcfile(file, text)
  if (issues.length > 0) return {ok: false, issues}
  const runners = (source.data as {runners: Record<string, string>}).runners
  const names = Object.keys(runners)
  if (names.length === 0) return {ok: false, issues: [{code: 'invalid-value', file, line: 1, column: 1, message: 'the Procfile has no entries', hint: 'add lines such as web: node server.js'}]}
  const notes: string[] = []
  const head = [options.modeline, `# Converted from ${basename(file)} by \`mar init --from-procfile\`: one parallel group.`, '# Add keys per runner (port, scale, ready, restart, …): see `mar init` without flags for a commented example.']
  if (options.hasEnvFile) notes.push('found .env: every runner gets its variables (env_file: .env)')
  const usesPort = names.filter((name) => /\$\{?PORT\b/.test(runners[name]))
  // foreman invents a PORT per process; mar sets PORT only for runners with a `port:`.
  if (usesPort.length > 0) notes.push(`${usesPort.join(', ')} ${usesPort.length > 1 ? 'use' : 'uses'} $PORT: give ${usesPort.length > 1 ? 'them' : 'it'} a port (web: {cmd: …, port: 5000}), or set PORT in .env`)
  const body = options.hasEnvFile ? {name: options.name, env_file: '.env', runners} : {name: options.name, runners}
  return {ok: true, text: `${head.join('\n')}\n${bodyYaml(body)}`, runners: names, notes}
}

/** Scripts picked when --scripts is not given: `start` (else `dev`), plus worker-like ones. */
export const WORKER_SCRIPT = /^(worker|workers|queue|jobs?|scheduler|cron|consumer|clock)([:_-].*)?$/

export function defaultScripts(scripts: Record<string, string>): string[] {
  const names = Object.keys(scripts)
  const main = names.includes('start') ? ['start'] : names.includes('dev') ? ['dev'] : []
  return [...main, ...names.filter((name) => WORKER_SCRIPT.test(name))]
}

/** package.json scripts → one runner each, run as `npm run NAME`. */
export function convertPackageJson(file: string, text: string, options: {modeline: string; scripts?: string[]; name: string}): Conversion {
  let pkg: {name?: unknown; scripts?: Record<string, string>}
  try {
    pkg = JSON.parse(text)
  } catch (error) {
    return {ok: false, issues: [{code: 'invalid-value', file, message: `invalid package.json: ${(error as Error).message}`}]}
  }
  const scripts = pkg.scripts && typeof pkg.scripts === 'object' ? pkg.scripts : {}
  const available = Object.keys(scripts)
  const chosen = options.scripts ?? defaultScripts(scripts)
  const unknown = chosen.filter((name) => !available.includes(name))
  if (unknown.length > 0) {
    return {
      ok: false,
      issues: unknown.map((name) => ({code: 'unknown-reference', file, message: `no script "${name}"`, hint: didYouMean(name, available) ?? `scripts: ${available.join(', ') || '(none)'}`})),
    }
  }
  if (chosen.length === 0) {
    return {ok: false, issues: [{code: 'not-found', file, message: 'no start, dev or worker-like script', hint: `choose with --scripts NAME,NAME (scripts: ${available.join(', ') || 'none'})`}]}
  }
  const runners: Record<string, string> = {}
  for (const script of chosen) {
    const runner = script.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'script'
    runners[runner] = `npm run ${shellWord(script)}`
  }
  const rest = available.filter((name) => !chosen.includes(name))
  const head = [
    options.modeline,
    `# Converted from package.json scripts by \`mar init --from-package\`: one parallel group.`,
    rest.length > 0 ? `# Other scripts (add with --scripts, or by hand): ${rest.join(', ')}` : undefined,
    '# Add keys per runner (port, scale, ready, restart, …): see `mar init` without flags for a commented example.',
  ].filter((line): line is string => line !== undefined)
  return {ok: true, text: `${head.join('\n')}\n${bodyYaml({name: options.name, runners})}`, runners: Object.keys(runners), notes: []}
}

/** A stack name from a directory or package name (`@acme/shop` → `shop`). */
export function stackNameFrom(text: string): string {
  return text.replace(/^@[^/]+\//, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'stack'
}
