#!/usr/bin/env node
// Attacks and faults against the built `mar` (bin/run.js; `npm run attacks`
// builds it first): each one bounded in time, traffic only to this machine.
// Prints the README's table ("Attacks and faults"); `--json` prints the
// figures instead; `--only 1,5,9` runs some; `--fast` the subset
// `npm test` runs. Exits 1 when any outcome is not the recorded one: an
// attack fails, or one marked `knownBug` (a problem in mar found here and
// left to fix) no longer fails.
import {pathToFileURL} from 'node:url'
import {attacks} from './attacks.mjs'
import {Scope} from './lib.mjs'

/** Run one attack in a scope of its own, within its time bound; everything it started is stopped and removed after. */
export async function runAttack(attack) {
  if (attack.skip) return {...attack, does: `not run: ${attack.skip}`, figure: '—', data: {}, checks: [], ok: true, skipped: true, failed: [], seconds: 0}
  const scope = new Scope()
  const started = performance.now()
  let timer
  try {
    const outcome = await Promise.race([
      attack.run(scope),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not finish within ${attack.timeoutMs / 1000} s`)), attack.timeoutMs)
      }),
    ])
    const failed = outcome.checks.filter(([, ok]) => !ok).map(([label]) => label)
    return {...attack, ...outcome, ok: failed.length === 0, failed, seconds: (performance.now() - started) / 1000}
  } catch (error) {
    return {...attack, does: `error: ${error.message}`, figure: '—', data: {}, checks: [], ok: false, failed: [error.message], seconds: (performance.now() - started) / 1000}
  } finally {
    clearTimeout(timer)
    await scope.cleanup()
  }
}

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ')

export function table(results) {
  const rows = results.map((r) => {
    const verdict = r.skipped ? 'skipped' : r.ok ? 'holds' : `**fails**: ${r.failed.join('; ')}`
    const expected = r.knownBug && !r.ok ? `${verdict} (${r.knownBug})` : verdict
    return `| ${r.id} | ${cell(r.what)} | ${cell(r.does)} | ${cell(r.figure)} | ${cell(expected)} |`
  })
  return ['| # | attack or fault | what mar does | figure | outcome |', '| --- | --- | --- | --- | --- |', ...rows].join('\n')
}

async function main(argv) {
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',').map(Number) : null
  const chosen = attacks.filter((a) => (only ? only.includes(a.id) : true) && (argv.includes('--fast') ? a.fast : true))
  const results = []
  for (const attack of chosen) {
    const result = await runAttack(attack)
    process.stderr.write(`${result.skipped ? 'skip' : result.ok ? 'ok  ' : attack.knownBug ? 'KNOWN' : 'FAIL'} ${attack.id}. ${attack.name} (${result.seconds.toFixed(1)} s)${result.ok ? '' : `: ${result.failed.join('; ')}`}\n`)
    results.push(result)
  }
  if (argv.includes('--json')) {
    const out = results.map(({id, name, what, does, figure, ok, failed, data, seconds}) => ({id, name, what, does, figure, ok, failed, data, seconds}))
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  } else {
    process.stdout.write(`${table(results)}\n`)
  }
  // As recorded: every attack holds, except those marked knownBug, which fail (when one holds, mar changed: update the table).
  const unexpected = results.filter((r) => (r.knownBug ? r.ok && !r.skipped : !r.ok))
  for (const r of results.filter((r) => r.knownBug && !r.ok)) process.stderr.write(`known problem in mar, ${r.id}. ${r.name}: ${r.knownBug}\n`)
  for (const r of unexpected) process.stderr.write(`not as recorded: ${r.id}. ${r.name} ${r.ok ? 'holds now (update knownBug and the README)' : 'fails'}\n`)
  return unexpected.length === 0 ? 0 : 1
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2))
}
