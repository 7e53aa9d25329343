// Temp-dir config fixtures: write files, load them, clean up after each test.
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterEach, expect} from 'vitest'
import {loadStack, type LoadResult} from '../../../src/config/load.js'
import type {ConfigIssue, InstancePlan, StackPlan} from '../../../src/config/types.js'

const dirs: string[] = []

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, {recursive: true, force: true})))
})

/** A fresh temp dir holding `files` (path → content); removed after the test. */
export async function tempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mar-config-'))
  dirs.push(dir)
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), {recursive: true})
    await writeFile(join(dir, path), content)
  }
  return dir
}

export const BASE_ENV = {PATH: '/usr/bin:/bin', HOME: '/home/tester'}

export async function load(files: Record<string, string>, options: {env?: Record<string, string | undefined>; configPath?: string; cwd?: string} = {}): Promise<{result: LoadResult; dir: string}> {
  const dir = await tempDir(files)
  const cwd = options.cwd ? join(dir, options.cwd) : dir
  await mkdir(cwd, {recursive: true})
  const result = await loadStack({cwd, configPath: options.configPath, env: options.env ?? BASE_ENV})
  return {result, dir}
}

export async function loadPlan(yaml: string, options: Parameters<typeof load>[1] & {files?: Record<string, string>} = {}): Promise<{plan: StackPlan; warnings: string[]; dir: string}> {
  const {result, dir} = await load({'mar.yaml': yaml, ...options.files}, options)
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.map((e) => `${e.line}:${e.column} ${e.code} ${e.message}`).join('\n')}`)
  return {plan: result.plan, warnings: result.warnings, dir}
}

export async function loadErrors(yaml: string, options: Parameters<typeof load>[1] & {files?: Record<string, string>} = {}): Promise<ConfigIssue[]> {
  const {result} = await load({'mar.yaml': yaml, ...options.files}, options)
  expect(result.ok, 'expected the config to be invalid').toBe(false)
  return result.ok ? [] : result.errors
}

/** `code@line:column` of each issue: what tests assert on (messages may change, codes and positions may not). */
export function where(issues: readonly ConfigIssue[]): string[] {
  return issues.map((issue) => `${issue.code}@${issue.line}:${issue.column}`)
}

export function instances(plan: StackPlan): InstancePlan[] {
  return plan.groups.flatMap((g) => g.runners.flatMap((r) => r.instances))
}

export function instance(plan: StackPlan, name: string): InstancePlan {
  const found = instances(plan).find((i) => i.name === name)
  if (!found) throw new Error(`no instance ${name}; have ${instances(plan).map((i) => i.name).join(', ')}`)
  return found
}
