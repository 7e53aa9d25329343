#!/usr/bin/env node
// Development entry point: rebuilds nothing, runs the bundle in dist/ with
// oclif's development mode (stack traces on). Run `npm run build` first.
process.env.NODE_ENV = 'development'
const {main} = await import('../dist/cli.js')
await main(import.meta.url, {development: true})
