// Signal names and numbers as users type them: SIGHUP, HUP, hup, 1. One
// reading for the config (stop.signal), the CLI and the daemon.
import {constants} from 'node:os'

const byName = constants.signals as Record<string, number>

/** `SIGINT`, `INT`, `sigint` or `2` → `SIGINT`; undefined when this platform has no such signal. */
export function parseSignal(value: unknown): NodeJS.Signals | undefined {
  const text = String(value ?? '').trim()
  if (/^\d+$/.test(text)) {
    const number = Number(text)
    return Object.keys(byName).find((key) => byName[key] === number) as NodeJS.Signals | undefined
  }
  const upper = text.toUpperCase()
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`
  return name in byName ? (name as NodeJS.Signals) : undefined
}

/** Signal names this platform knows, e.g. SIGTERM. */
export function signalNames(): string[] {
  return Object.keys(byName)
}
