// `mar validate`'s look at the file system: a runner whose program cannot be
// found or is not executable, or whose working directory is missing, would
// fail at start with these same words (src/supervisor/spawn-diagnosis.ts).
// A warning, not an error: the file may be built by an earlier group, or
// appear before `mar up`. Not part of the plan (nor of its cache): the files
// may change while the config does not.
import {programOf} from '../supervisor/command.js'
import {diagnoseCwd, programProblem} from '../supervisor/spawn-diagnosis.js'
import type {StackPlan} from '../config/types.js'

export function commandWarnings(plan: StackPlan, commandAt: Record<string, string>): string[] {
  const remote = new Set(plan.hosts.filter((h) => h.ssh).map((h) => h.name))
  const warnings: string[] = []
  for (const runner of plan.groups.flatMap((g) => g.runners)) {
    // One instance speaks for the runner: they share the command; a remote host's files are not here to look at.
    const instance = runner.instances.find((i) => !remote.has(i.host))
    if (!instance) continue
    const program = programOf(instance.command)
    const problem = diagnoseCwd(instance.cwd) ?? (program ? programProblem(program, instance.env, instance.cwd) : null)
    if (problem) warnings.push(`${commandAt[runner.name] ?? plan.configPath}: runner "${runner.name}": ${problem.message}`)
  }
  return warnings
}
