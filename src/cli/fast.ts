// bin/run.js's fast paths: the most frequent, simplest invocations of
// status, ps, down, up and validate skip oclif (~35 ms of its start-up) and load only the code
// they run. Anything else — another flag, a target, a typo — returns null
// and goes through oclif as usual, so behaviour never differs.
import {reportError} from './report-error.js'
import {shouldColor} from '../util/colors.js'
import {UP_TIMEOUT_DEFAULT} from './up-defaults.js'
// Static: status and down are small, and one module loads faster than several.
import {showStatus} from './show-status.js'
import {runDown} from './down.js'

type FastCommand = (flags: Set<string>) => Promise<number>

const commands: Record<string, {flags: string[]; run: FastCommand}> = {
  status: {flags: ['--json', '--color', '--no-color'], run: status},
  ps: {flags: ['--json', '--color', '--no-color'], run: status},
  down: {flags: ['--json', '--color', '--no-color', '-q', '--quiet'], run: down},
  up: {flags: ['--json', '--color', '--no-color', '-q', '--quiet', '--no-wait'], run: up},
  validate: {flags: ['--json', '--color', '--no-color', '-q', '--quiet'], run: validate},
}

async function validate(flags: Set<string>): Promise<number> {
  const {runValidate} = await import('./validate.js')
  return runValidate({json: flags.has('--json'), quiet: flags.has('-q') || flags.has('--quiet')})
}

function color(flags: Set<string>): boolean {
  return shouldColor(flags.has('--color') ? true : flags.has('--no-color') ? false : undefined, process.stdout)
}

async function status(flags: Set<string>): Promise<number> {
  return showStatus({json: flags.has('--json'), color: color(flags)})
}

async function down(flags: Set<string>): Promise<number> {
  return runDown([], {json: flags.has('--json'), color: color(flags), quiet: flags.has('-q') || flags.has('--quiet')})
}

async function up(flags: Set<string>): Promise<number> {
  const [{loadPlanOrThrow}, {upInDaemon}] = await Promise.all([import('./load-plan.js'), import('./up-daemon.js')])
  const quiet = flags.has('-q') || flags.has('--quiet')
  const plan = await loadPlanOrThrow(undefined, process.cwd(), quiet ? {warn: () => {}} : {})
  return upInDaemon(plan, [], {wait: !flags.has('--no-wait'), timeout: UP_TIMEOUT_DEFAULT, json: flags.has('--json'), color: color(flags), quiet, ui: false})
}

/** The exit code, or null when this invocation is not one of the fast ones. */
export async function runFast(argv: string[]): Promise<number | null> {
  const [id, ...rest] = argv
  const command = id === undefined ? undefined : commands[id]
  if (!command || !rest.every((arg) => command.flags.includes(arg))) return null
  if (rest.includes('--color') && rest.includes('--no-color')) return null
  try {
    return await command.run(new Set(rest))
  } catch (error) {
    return reportError(error as Error, false, id)
  }
}
