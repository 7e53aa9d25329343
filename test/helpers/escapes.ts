// The processes test/fixtures/bin/escape.sh leaves behind, found by their
// own `sleep` arguments (not by anything mar gives them), and an unrelated
// process started the same way at the same time, outside mar.
import {spawn} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {expect} from 'vitest'
import {isAlive, killQuietly, waitFor} from './wait.js'

export interface Escapes {
  /** The arguments to escape.sh (A B C D): `sleep` durations unique to this test. */
  args: string[]
  /** A `sleep` of the same kind started outside mar, which must survive. */
  unrelated: string
  /** Pids of the live `sleep ARG`s, by argument. */
  find(): Map<string, number>
  /** Kill whatever of them is left (the unrelated one too). */
  cleanup(): void
}

export function escapes(): Escapes {
  const nonce = String(Math.floor(Math.random() * 1e9)).padStart(9, '0')
  const args = ['1', '2', '3', '4'].map((n) => `300.${nonce}${n}`)
  const unrelated = `300.${nonce}9`
  const all = [...args, unrelated]
  const find = () => {
    const found = new Map<string, number>()
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue
      let words: string[]
      try {
        words = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0')
      } catch {
        continue
      }
      if (words[0] === 'sleep' && all.includes(words[1]!) && isAlive(Number(name))) found.set(words[1]!, Number(name))
    }
    return found
  }
  return {args, unrelated, find, cleanup: () => find().forEach((pid) => killQuietly(pid))}
}

/** Start the unrelated one as escape.sh starts A: its own session, re-parented, an empty environment. */
export async function startUnrelated(e: Escapes): Promise<number> {
  spawn('/bin/sh', ['-c', '(setsid env -i sleep "$1" &)', 'sh', e.unrelated], {stdio: 'ignore'})
  return waitFor('the unrelated sleep', () => e.find().get(e.unrelated))
}

/** Wait until escape.sh left all of A, B, C (and D runs, when given) — with no MAR_RUN_ID left on them. */
export async function waitForEscapes(e: Escapes, count = 4): Promise<Map<string, number>> {
  const found = await waitFor('the escapees', () => {
    const live = e.find()
    return e.args.slice(0, count).every((arg) => live.has(arg)) ? live : null
  })
  for (const arg of e.args.slice(0, 3)) expect(readFileSync(`/proc/${found.get(arg)}/environ`, 'latin1')).toBe('')
  return found
}

/** Those of escape.sh's processes still alive (the unrelated one aside). */
export function survivors(e: Escapes): string[] {
  const live = e.find()
  return e.args.filter((arg) => live.has(arg))
}
