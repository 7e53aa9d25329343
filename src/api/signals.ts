// Signal names and numbers as users type them: SIGHUP, HUP, hup, 1. Shared by the
// CLI (checking before it asks) and the daemon (checking what it is asked).
import {constants} from 'node:os'
import {ExitCode, MarError} from '../util/errors.js'

const byName = constants.signals as Record<string, number>

export function parseSignal(input: unknown): NodeJS.Signals {
  const text = String(input ?? '').trim()
  if (/^\d+$/.test(text)) {
    const number = Number(text)
    const name = Object.keys(byName).find((key) => byName[key] === number)
    if (name) return name as NodeJS.Signals
  } else {
    const upper = text.toUpperCase()
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`
    if (name in byName) return name as NodeJS.Signals
  }
  throw new MarError('bad-signal', `unknown signal "${text}"`, {
    hint: 'use a name such as SIGHUP, HUP or USR1, or a number such as 1',
    exitCode: ExitCode.usage,
  })
}
