// mar's names (letters, digits, `_`, `-`, up to 100 characters; a stack
// name may hold `.`) in the engines' stricter syntaxes. The conversion is
// fixed and documented (README, "Moving to an orchestrator"), so a team can
// predict every name the export writes; two names that become one are an
// error naming both, never a silent merge.
import {createHash} from 'node:crypto'
import {ExitCode, MarError} from '../util/errors.js'
import type {ExportReport} from './unexpressed.js'

const LABEL_MAX = 63

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 5)
}

/** A name cut to `max` characters keeps a hash of the whole, so two long names that share a start stay apart. */
function fit(name: string, original: string, max: number): string {
  if (name.length <= max) return name
  return `${name.slice(0, max - 6).replace(/-+$/, '')}-${shortHash(original)}`
}

/**
 * An RFC 1035 label: what Kubernetes requires of a Service, container or
 * namespace name, and Nomad and Consul of a service name. Lower case; `_`
 * and `.` become `-`; a name that starts with a digit gets `mar-` in front;
 * past 63 characters it is cut and ends with 5 hex digits of a hash.
 */
export function dnsLabel(name: string): string {
  let out = name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '')
  if (out === '') out = 'mar'
  if (!/^[a-z]/.test(out)) out = `mar-${out}`
  return fit(out, name, LABEL_MAX)
}

/** A Nomad port label (it becomes NOMAD_PORT_<label>): letters, digits and `_`. */
export function portLabel(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_')
}

/** A Nomad job ID that may also name a Nomad Variables path (`nomad/jobs/<job>`): `.` becomes `-`. */
export function nomadJobId(stack: string): string {
  return stack.replace(/[^A-Za-z0-9_-]/g, '-')
}

/**
 * Convert each name of `names` with `convert`; say which changed (a note),
 * and refuse two that become the same name (exit 2), naming both.
 */
export function convertNames(names: readonly string[], convert: (name: string) => string, what: string, report: ExportReport, options: {quiet?: boolean} = {}): Map<string, string> {
  const out = new Map<string, string>()
  const taken = new Map<string, string>()
  for (const name of names) {
    if (out.has(name)) continue
    const converted = convert(name)
    const other = taken.get(converted)
    if (other !== undefined) {
      throw new MarError('name-collision', `${what}s "${other}" and "${name}" both become "${converted}" in ${report.engine}`, {hint: 'rename one of them in mar.yaml', exitCode: ExitCode.usage})
    }
    taken.set(converted, name)
    out.set(name, converted)
    if (converted !== name && !options.quiet) report.note(`${what} "${name}" is named "${converted}" in ${report.engine} (${what === 'stack' ? 'its' : 'their'} names allow fewer characters)`)
  }
  return out
}
