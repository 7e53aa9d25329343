#!/usr/bin/env node
// The `mar` entry point. `--version` and the plainest read commands are
// answered without loading oclif: start-up time is a feature.
import {readFileSync} from 'node:fs'

// `mar status | head -3`: once the reader is gone there is nobody to tell
// anything, so end quietly instead of with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? 0)
  })
}

// Global flags may come before the command (SPEC §3): `mar --json status`
// and `mar -c FILE up` mean `mar status --json` and `mar up -c FILE`.
const GLOBAL_SWITCHES = new Set(['--json', '--no-color', '--color', '-v', '--verbose', '-q', '--quiet'])
function commandFirst(args) {
  const lead = []
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i]
    if (GLOBAL_SWITCHES.has(arg) || arg.startsWith('--config=')) lead.push(arg)
    else if ((arg === '-c' || arg === '--config') && i + 1 < args.length) lead.push(arg, args[++i])
    else break
  }
  return lead.length === 0 || i === args.length ? args : [...args.slice(i), ...lead]
}
process.argv.splice(2, process.argv.length, ...commandFirst(process.argv.slice(2)))

const argv = process.argv.slice(2)
if (argv.length === 1 && argv[0] === '--version') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // Plain `mar status`, `mar ps`, `mar down` skip oclif (see src/cli/fast.ts).
  const {runFast} = await import('../dist/fast.js')
  const code = await runFast(argv)
  if (code === null) {
    const {main} = await import('../dist/cli.js')
    await main(import.meta.url)
  } else process.exitCode = code
}
