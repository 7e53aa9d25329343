// A signal a request names, or a usage error saying how to name one: the
// CLI checks before it asks, the daemon checks what it is asked.
import {MarError} from '../util/errors.js'
import {parseSignal} from '../util/signals.js'

export function requireSignal(input: unknown): NodeJS.Signals {
  const signal = parseSignal(input)
  if (signal) return signal
  throw new MarError('bad-signal', `unknown signal "${String(input ?? '').trim()}"`, {hint: 'use a name such as SIGHUP, HUP or USR1, or a number such as 1'})
}
