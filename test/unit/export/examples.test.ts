// The README's example stack (examples/shop) exported to both engines, and
// the exports committed under examples/shop/export/ kept current: this
// regenerates them and fails on any difference (UPDATE_GOLDEN=1 rewrites
// them). They are what `mar export kubernetes` and `mar export nomad
// --workdir /srv/shop` write in examples/shop.
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadStack} from '../../../src/config/load.js'
import type {StackPlan} from '../../../src/config/types.js'
import {exportKubernetes} from '../../../src/export/kubernetes/export.js'
import {exportNomad} from '../../../src/export/nomad/export.js'
import {schemaErrors} from './k8s-schema.js'
import {nomadJobProblems} from './nomad-api.js'

const example = new URL('../../../examples/shop/', import.meta.url).pathname
const ENV = {PATH: '/usr/bin:/bin', HOME: '/home/tester'}

async function shop(): Promise<StackPlan> {
  const loaded = await loadStack({cwd: example, env: ENV})
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'))
  return loaded.plan
}

/** The committed files of `dir` against `files`; rewrites them with UPDATE_GOLDEN=1. */
function compare(dir: string, files: Array<{name: string; content: string}>): void {
  const at = join(example, 'export', dir)
  if (process.env.UPDATE_GOLDEN === '1') {
    rmSync(at, {recursive: true, force: true})
    mkdirSync(at, {recursive: true})
    for (const file of files) writeFileSync(join(at, file.name), file.content)
  }
  expect(existsSync(at), `${at} is missing: run UPDATE_GOLDEN=1 npx vitest run test/unit/export/examples.test.ts`).toBe(true)
  expect(readdirSync(at).sort()).toEqual(files.map((f) => f.name).sort())
  for (const file of files) expect(readFileSync(join(at, file.name), 'utf8'), `examples/shop/export/${dir}/${file.name} is out of date: UPDATE_GOLDEN=1 rewrites it`).toBe(file.content)
}

describe('the example stack’s exports (examples/shop/export)', () => {
  it('Kubernetes: current, valid against the OpenAPI schemas, and nothing left unexpressed', async () => {
    const result = exportKubernetes(await shop(), {baseEnv: ENV, extraEnv: []})
    expect(schemaErrors(result.objects)).toEqual([])
    expect(result.report.unexpressed).toEqual([])
    compare('kubernetes', result.files)
  })

  it('Nomad: current, and valid against the structure of Nomad’s API', async () => {
    const result = exportNomad(await shop(), {driver: 'raw_exec', provider: 'nomad', workdir: '/srv/shop', baseEnv: ENV, extraEnv: []})
    for (const job of result.jobs) expect(nomadJobProblems(job)).toEqual([])
    // A oneshot before services of two task groups runs in each of their allocations: said, not hidden.
    expect(result.report.unexpressed.map((u) => `${u.subject}: ${u.key}`)).toEqual(['migrate: scale'])
    compare('nomad', result.files)
  })
})
