// `mar validate`: load the config and print the resolved plan (or every
// problem, exit 2). Shared by the oclif command and bin/run.js's fast path;
// it loads only the config code — no supervisor, ink or chokidar.
import {configError} from '../config/issues.js'
import {escapeControl} from '../util/terminal-text.js'
import {describePlan, planToJson} from '../config/describe-plan.js'
import {describeContainment, probeContainment} from '../supervisor/cgroup.js'
import {ExitCode} from '../util/errors.js'
import {commandWarnings} from './command-checks.js'
import {configCode} from './config-code.js'
import {rememberPlan, shellEnv} from './load-plan.js'

export async function runValidate(options: {config?: string; json: boolean; quiet: boolean}): Promise<number> {
  const cwd = process.cwd()
  const {loadStack} = await configCode()
  const env = shellEnv()
  const result = await loadStack({cwd, configPath: options.config, env})
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  if (!result.ok) {
    if (options.json) {
      print({valid: false, errors: result.errors})
      return ExitCode.usage
    }
    throw configError(result.errors, cwd)
  }
  const containment = probeContainment()
  const warnings = [...result.warnings, ...commandWarnings(result.plan, result.commandAt)]
  if (options.json) print({valid: true, ...(planToJson(result.plan, env, warnings) as object), containment})
  else if (!options.quiet) {
    // A valid command may hold an escape sequence (`echo "\x1b[2J"`): shown, not played on the terminal.
    process.stdout.write(`${describePlan(result.plan, {cwd, env, warnings}).map(escapeControl).join('\n')}\n`)
    process.stdout.write(`containment: ${describeContainment(containment)}\n`)
  }
  // After printing (it adds to the plan): the `mar up` that usually follows starts from the cache.
  await rememberPlan(result, cwd, options.config, env)
  return ExitCode.ok
}
