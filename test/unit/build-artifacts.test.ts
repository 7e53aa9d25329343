// Generated files that are committed must match what the build generates:
// oclif.manifest.json (command list for fast help) and the JSON Schema.
// The test command builds first, so a stale commit shows up as a diff.
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const inGit = existsSync(`${root}.git`)

describe.skipIf(!inGit)('committed build artifacts', () => {
  for (const file of ['oclif.manifest.json', 'schema/mar.schema.json']) {
    it(`${file} is current (run npm run build and commit it)`, () => {
      const diff = execFileSync('git', ['diff', '--stat', 'HEAD', '--', file], {cwd: root, encoding: 'utf8'})
      expect(diff).toBe('')
    })
  }
})
