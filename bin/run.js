#!/usr/bin/env node
// The `mar` entry point. `--version` is answered here without loading
// oclif: start-up time is a feature, and this is the most-run probe of it.
import {readFileSync} from 'node:fs'

const argv = process.argv.slice(2)
if (argv.length === 1 && argv[0] === '--version') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {main} = await import('../dist/cli.js')
  await main(import.meta.url)
}
