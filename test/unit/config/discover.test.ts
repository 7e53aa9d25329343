// Which file is the config, and the Procfile fallback.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BASE_ENV, instances, load} from './helpers.js'

describe('discovery', () => {
  it('finds mar.yaml in a parent directory', async () => {
    const {result, dir} = await load({'mar.yaml': 'runners: {a: x}\n'}, {cwd: 'deep/er'})
    expect(result.ok && result.plan.configPath).toBe(join(dir, 'mar.yaml'))
  })

  it('prefers mar.yaml over mar.yml, and finds mar.yml alone', async () => {
    const both = await load({'mar.yaml': 'runners: {a: x}\n', 'mar.yml': 'runners: {b: x}\n'})
    expect(both.result.ok && both.result.plan.configPath).toBe(join(both.dir, 'mar.yaml'))
    const yml = await load({'mar.yml': 'runners: {b: x}\n'})
    expect(yml.result.ok && yml.result.plan.configPath).toBe(join(yml.dir, 'mar.yml'))
  })

  it('a mar.yaml up the tree wins over a Procfile in cwd (the order the README gives)', async () => {
    const {result, dir} = await load({'mar.yaml': 'runners: {a: x}\n', 'sub/Procfile': 'b: y\n'}, {cwd: 'sub'})
    expect(result.ok && result.plan.configPath).toBe(join(dir, 'mar.yaml'))
  })

  it('falls back to a Procfile with .env: one parallel group named default', async () => {
    const {result, dir} = await load({Procfile: '# app\nweb: node s.js --port $PORT\nworker: node w.js\n', '.env': 'SECRET=s3\n'}, {cwd: 'sub'})
    if (!result.ok) throw new Error(result.errors[0].message)
    const {plan} = result
    expect(plan.format).toBe('procfile')
    expect(plan.configPath).toBe(join(dir, 'Procfile'))
    expect(plan.groups.map((g) => [g.name, g.strategy])).toEqual([['default', 'parallel']])
    expect(instances(plan).map((i) => [i.name, i.command, i.env.SECRET, i.cwd])).toEqual([
      ['web.1', {shell: 'node s.js --port $PORT'}, 's3', dir],
      ['worker.1', {shell: 'node w.js'}, 's3', dir],
    ])
  })

  it('reports Procfile errors with line numbers, like YAML ones', async () => {
    const {result} = await load({Procfile: 'web: a\nbroken line\nweb: b\nx: echo ${UNSET}\n'})
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.errors.map((e) => `${e.code}@${e.line}:${e.column}`)).toEqual(['procfile-syntax@2:1', 'duplicate-name@3:1', 'unknown-variable@4:9'])
  })

  it('-c names a file (relative to cwd), a directory, or a Procfile by name', async () => {
    const files = {'conf/stack.yaml': 'runners: {a: x}\n', 'conf/mar.yml': 'runners: {b: x}\n', 'procs/Procfile.dev': 'c: y\n'}
    const file = await load(files, {configPath: 'conf/stack.yaml'})
    expect(file.result.ok && file.result.plan.configPath).toBe(join(file.dir, 'conf/stack.yaml'))
    const dir = await load(files, {configPath: 'conf'})
    expect(dir.result.ok && dir.result.plan.configPath).toBe(join(dir.dir, 'conf/mar.yml'))
    const procfile = await load(files, {configPath: 'procs/Procfile.dev'})
    expect(procfile.result.ok && procfile.result.plan.format).toBe('procfile')
  })

  it('-c to a missing file is not-found', async () => {
    const {result} = await load({}, {configPath: 'nope.yaml'})
    expect(!result.ok && result.errors.map((e) => e.code)).toEqual(['not-found'])
  })

  // root reads every file, so this only runs as another user
  it.skipIf(process.getuid?.() === 0)('an unreadable file is unreadable-file', async () => {
    const {chmod} = await import('node:fs/promises')
    const {dir} = await load({'mar.yaml': 'runners: {a: x}\n'})
    await chmod(join(dir, 'mar.yaml'), 0)
    const {loadStack} = await import('../../../src/config/load.js')
    const result = await loadStack({cwd: dir, env: BASE_ENV})
    expect(!result.ok && result.errors.map((e) => e.code)).toEqual(['unreadable-file'])
  })
})
