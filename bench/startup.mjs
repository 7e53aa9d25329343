// CLI start-up: `mar --version`, `mar --help` and `mar validate` on a
// 20-runner file, against `node -e 0`, in two environments: as this
// machine's shells have it (NODE_EXTRA_CA_CERTS set, which slows every
// node start ~2.5×) and with it unset, for every side alike.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fmt, mar, printTable, ratio, timeCommand} from './lib.mjs'

export function benchStartup() {
  const dir = mkdtempSync(join(tmpdir(), 'mar-bench-'))
  const runners = Array.from({length: 20}, (_, i) => `      r${i}: { cmd: "node server.js", port: ${4000 + i * 10}, scale: 2, ready: { http: "http://127.0.0.1:\${PORT}/health" } }`)
  writeFileSync(join(dir, 'mar.yaml'), `name: bench\ngroups:\n  a:\n    runners:\n${runners.slice(0, 10).join('\n')}\n  b:\n    depends_on: [a]\n    runners:\n${runners.slice(10).join('\n')}\n`)
  const results = []
  try {
    for (const [label, env] of [
      ['CA certs unset', {...process.env, NODE_EXTRA_CA_CERTS: undefined}],
      ['as this shell has it', process.env],
    ]) {
      if (label === 'as this shell has it' && !process.env.NODE_EXTRA_CA_CERTS) continue
      const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined))
      const base = timeCommand([process.execPath, '-e', '0'], {env: clean})
      const version = timeCommand([process.execPath, mar, '--version'], {env: clean})
      const help = timeCommand([process.execPath, mar, '--help'], {env: clean})
      const validate = timeCommand([process.execPath, mar, 'validate'], {env: clean, cwd: dir})
      results.push({label, base, version, help, validate})
      printTable(`Start-up (${label}), median of 15`, [
        ['command', 'time', 'vs node -e 0', 'target'],
        ['node -e 0', fmt(base), '1.00×', ''],
        ['mar --version', fmt(version), ratio(version, base), '≤ 2×'],
        ['mar --help', fmt(help), ratio(help, base), ''],
        ['mar validate (20 runners)', fmt(validate), ratio(validate, base), '≤ 3×'],
      ])
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  return results
}
