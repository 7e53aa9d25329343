// Regular expressions a user gives mar (`mar logs --grep`, a `log:` readiness
// probe) run on RE2's engine (re2js, pure JavaScript): matching takes time
// linear in the line, whatever the pattern, so no pattern — `(a+)+$` over a
// line of a's took the daemon's event loop for 15.8 s with JavaScript's own
// backtracking engine — can stall the supervisor. The price is RE2's syntax:
// no lookaround and no backreferences, which a line filter rarely needs.
import {createRequire} from 'node:module'
import type {RE2JS as Engine} from 're2js'
import {MarError} from './errors.js'

// Loaded when the first pattern is compiled (it is external to the bundle):
// its 260 KB cost nothing to a command or a daemon that never sees a pattern.
let engine: typeof Engine | undefined
const re2 = (): typeof Engine => (engine ??= (createRequire(import.meta.url)('re2js') as {RE2JS: typeof Engine}).RE2JS)
/** The engine itself, for the pattern worker of the bundled agent (src/util/pattern-worker.ts). */
export const re2Engine = re2

/** Finds a pattern anywhere in a line. */
export interface LineMatcher {
  /** Matchers off the event loop answer later (src/util/pattern-worker.ts): their work leaves it free. */
  test(text: string): boolean | Promise<boolean>
}

/** Patterns longer than this are refused: a filter is a few words, and compiling costs with its length. */
export const MAX_PATTERN_CHARS = 4096

/** Compile a user's pattern, or say in one line why it cannot be one (`what` names where it came from, e.g. "--grep"). */
export function compileUserPattern(pattern: string, what: string): LineMatcher {
  if (pattern.length > MAX_PATTERN_CHARS) throw new MarError('bad-pattern', `${what}: pattern longer than ${MAX_PATTERN_CHARS} characters`)
  try {
    return re2().compile(pattern)
  } catch (error) {
    const why = String((error as Error).message ?? error).replace(/^error parsing regexp: /, '')
    throw new MarError('bad-pattern', `${what}: ${why}`, {hint: 'patterns use RE2 syntax (no lookahead, lookbehind or backreferences)'})
  }
}
