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
