#!/usr/bin/env node
// The `mar` entry point. `--version` and the plainest commands are answered
// without loading oclif: start-up time is a feature. CommonJS on purpose
// (bin/package.json): the fast paths (dist/fast.cjs) then never start Node's
// ES module loader; everything else imports the oclif CLI (ES modules).
'use strict'
const {readFileSync} = require('node:fs')
const {join} = require('node:path')
const {pathToFileURL} = require('node:url')

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

async function run() {
  process.argv.splice(2, process.argv.length, ...commandFirst(process.argv.slice(2)))
  const argv = process.argv.slice(2)
  if (argv.length === 1 && argv[0] === '--version') {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'))
    process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
    return
  }
  // The completion scripts' `mar __complete`, at every TAB: its own small bundle (src/cli/complete.ts).
  if (argv[0] === '__complete') {
    process.exitCode = await require('../dist/complete.cjs').runComplete(argv.slice(1))
    return
  }
  // Plain `mar status`, `mar ps`, `mar down`, `mar up`, `mar validate` skip oclif (see src/cli/fast.ts).
  const code = await require('../dist/fast.cjs').runFast(argv)
  if (code !== null) {
    process.exitCode = code
    return
  }
  const {main} = await import(pathToFileURL(join(__dirname, '..', 'dist', 'cli.js')).href)
  // oclif finds the package from here: the root's package.json, not bin/'s.
  await main(pathToFileURL(join(__dirname, '..', 'package.json')).href)
}

run().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`)
  process.exitCode = 1
})
