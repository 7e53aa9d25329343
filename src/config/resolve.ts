// The context every plan step shares, and the helpers that turn one config
// value into its planned form while recording issues at the value's
// position: textual interpolation, shell-reference checks, commands.
import {checkShellReferences, interpolate, type InterpolationProblem, type Vars} from './interpolate.js'
import type {CommandSpec, ConfigIssue} from './types.js'
import type {ConfigPath, ParsedSource} from './source.js'

export interface PlanContext {
  source: ParsedSource
  /** Directory of the config file; relative paths resolve against it. */
  dir: string
  issues: ConfigIssue[]
  warnings: string[]
  /** Every file the plan was read from besides the config (env files): its text, or null when absent. A cached plan is checked against them. */
  inputs?: Map<string, string | null>
  /** Instances and bytes planned so far, against LIMITS.instances and LIMITS.planBytes. */
  planned?: {instances: number; bytes: number}
}

export function issueAt(ctx: PlanContext, path: ConfigPath, code: string, message: string, hint?: string, where: 'key' | 'value' = 'value'): void {
  ctx.issues.push({code, file: ctx.source.file, ...ctx.source.locator.locate(path, where), message, hint})
}

function report(ctx: PlanContext, path: ConfigPath, problems: InterpolationProblem[]): void {
  for (const problem of problems) {
    const position = ctx.source.locator.locateInString?.(path, problem.offset) ?? ctx.source.locator.locate(path)
    const hint =
      problem.kind === 'unknown-variable'
        ? `define ${problem.name} in the environment, an env_file or env, or write \${${problem.name}:-default}`
        : undefined
    ctx.issues.push({code: problem.kind === 'unknown-variable' ? 'unknown-variable' : 'invalid-value', file: ctx.source.file, ...position, message: problem.message, hint})
  }
}

/** Textual interpolation of a value no shell reads (argv, URL, path, env value). */
export function resolveText(ctx: PlanContext, text: string, path: ConfigPath, vars: Vars): string {
  const {value, problems} = interpolate(text, vars)
  report(ctx, path, problems)
  return value
}

/**
 * A command: a string is kept verbatim for /bin/sh -c (see the security
 * rule in interpolate.ts) and only its references are checked; an argv is
 * interpolated element by element.
 */
export function resolveCommand(ctx: PlanContext, command: string | string[], path: ConfigPath, vars: Vars): CommandSpec {
  if (typeof command === 'string') {
    report(ctx, path, checkShellReferences(command, vars))
    return {shell: command}
  }
  return {argv: command.map((arg, i) => resolveText(ctx, arg, [...path, i], vars))}
}
