// The README's "Attacks and faults" table cannot go stale: each attack of
// test/attacks/run.mjs runs here against the built binary and must end as
// the table says. `npm test` runs the fast ones (about 50 s on a loaded
// 2-core machine); MAR_ATTACKS=all runs every one (the slow ones — a
// stopped daemon, a full disk, 20 racing clients, kill -9 mid-flood — are
// also covered by daemon-survival.test.ts, full-disk.test.ts and, pair by
// pair, the unit races.test.ts).
import {describe, expect, it} from 'vitest'
import {attacks} from '../attacks/attacks.mjs'
import {runAttack} from '../attacks/run.mjs'

const all = process.env.MAR_ATTACKS === 'all'

describe('attacks and faults (test/attacks/run.mjs)', () => {
  for (const attack of attacks) {
    const title = `${attack.id}. ${attack.name}: ${attack.what}`
    const run = async () => {
      const result = await runAttack(attack)
      // The checks that failed, by name, so a change says what changed.
      expect(result.failed).toEqual([])
      expect(result.ok).toBe(true)
    }
    const timeout = attack.timeoutMs + 60_000
    if (attack.skip) it.skip(`${title} (${attack.skip})`, run)
    else if (!attack.fast && !all) it.skip(`${title} (slow: MAR_ATTACKS=all)`, run)
    // A known problem in mar (the table says "fails"): this fails until mar changes, then the table and this line need updating.
    else if (attack.knownBug) it.fails(`${title} — known: ${attack.knownBug}`, run, timeout)
    else it(title, run, timeout)
  }
})
