// `mar validate` stays linear in the size of what it reads: 10 000 and
// 50 000 keys (YAML `env:` keys, each duplicated once; env-file lines that are
// not KEY=VALUE) and should take about 5× as long, not 25×. Before issue 12,
// 50 000 YAML keys took 12.7-30 s (the parser compared every key with all
// the others of its map).
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fmt, mar, printTable, ratio, timeCommand} from './lib.mjs'

const cases = {
  'YAML env keys': (n) => ({'mar.yaml': `env:\n${Array.from({length: n}, (_, i) => `  K${i}: v${i}\n`).join('')}runners:\n  web: echo hi\n`}),
  'YAML duplicate keys': (n) => ({'mar.yaml': `env:\n${Array.from({length: n}, (_, i) => `  K${i % (n / 2)}: v\n`).join('')}runners:\n  web: echo hi\n`}),
  'env file lines': (n) => ({'mar.yaml': 'env_file: big.env\nrunners:\n  web: echo hi\n', 'big.env': Array.from({length: n}, (_, i) => `K${i}=v${i}`).join('\n')}),
}

export function benchConfigScale() {
  const rows = [['input', '10 000', '50 000', 'ratio (5× is linear)']]
  for (const [name, files] of Object.entries(cases)) {
    const times = [10_000, 50_000].map((n) => {
      const dir = mkdtempSync(join(tmpdir(), 'mar-bench-config-'))
      try {
        for (const [file, text] of Object.entries(files(n))) writeFileSync(join(dir, file), text)
        return timeCommand([process.execPath, mar, 'validate', '-q'], {runs: 3, cwd: dir, allowCodes: [0, 2], env: {...process.env, NODE_EXTRA_CA_CERTS: ''}})
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
    rows.push([name, fmt(times[0]), fmt(times[1]), ratio(times[1], times[0])])
  }
  printTable('mar validate on large inputs (median of 3)', rows)
}
