// Types of run.mjs and attacks.mjs for the vitest file (test/e2e/attacks.test.ts).
export interface Attack {
  id: number
  name: string
  what: string
  /** Part of `npm test` (test/e2e/attacks.test.ts). */
  fast: boolean
  /** Why it cannot run here (not root, say); null or absent when it can. */
  skip?: string | null
  /** A known problem in mar this attack shows: its outcome is "fails" until mar changes. */
  knownBug?: string
  timeoutMs: number
}

export interface AttackResult extends Attack {
  does: string
  figure: string
  data: Record<string, unknown>
  checks: [string, boolean][]
  ok: boolean
  /** The checks that did not hold (or the error that ended the attack). */
  failed: string[]
  seconds: number
}

export function runAttack(attack: Attack): Promise<AttackResult>
export function table(results: AttackResult[]): string
