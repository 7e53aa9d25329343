// mar init's conversions: what they write must load as the stack they describe.
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {convertPackageJson, convertProcfile, defaultScripts, schemaModeline, stackNameFrom, withModeline} from '../../../src/config/scaffold.js'
import {loadStack} from '../../../src/config/load.js'
import {BASE_ENV, instances, tempDir} from './helpers.js'

const root = join(import.meta.dirname, '../../..')
const modeline = '# yaml-language-server: $schema=./node_modules/mar/schema/mar.schema.json'

async function loads(text: string, files: Record<string, string> = {}) {
  const dir = await tempDir({'mar.yaml': text, ...files})
  const result = await loadStack({cwd: dir, env: BASE_ENV})
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'))
  return result.plan
}

describe('mar init scaffolds', () => {
  it('points the modeline at the schema: relative inside the project, else absolute', () => {
    expect(schemaModeline('/p', '/p/node_modules/mar/schema/mar.schema.json')).toBe(modeline)
    expect(schemaModeline('/p', '/usr/lib/node_modules/mar/schema/mar.schema.json')).toBe('# yaml-language-server: $schema=/usr/lib/node_modules/mar/schema/mar.schema.json')
  })

  it('the template loads, with its modeline replaced', async () => {
    const template = await readFile(join(root, 'templates/mar.yaml'), 'utf8')
    const text = withModeline(template, modeline)
    expect(text.split('\n')[0]).toBe(modeline)
    expect(text.split('\n')[1]).toBe(template.split('\n')[1])
    const plan = await loads(text)
    expect(plan.startOrder).toEqual(['setup', 'app'])
  })

  it('converts a Procfile and notes .env and $PORT', async () => {
    const result = convertProcfile('Procfile', 'web: bundle exec rails s -p $PORT\nworker: sidekiq -q "a b"\n', {modeline, name: 'shop', hasEnvFile: true})
    if (!result.ok) throw new Error('expected a conversion')
    expect(result.runners).toEqual(['web', 'worker'])
    expect(result.notes.join('\n')).toMatch(/\.env/)
    expect(result.notes.join('\n')).toMatch(/web uses \$PORT/)
    expect(result.text.startsWith(modeline)).toBe(true)
    const plan = await loads(result.text, {'.env': 'A=1'})
    expect(instances(plan).map((i) => [i.name, i.command, i.env.A])).toEqual([
      ['web.1', {shell: 'bundle exec rails s -p $PORT'}, '1'],
      ['worker.1', {shell: 'sidekiq -q "a b"'}, '1'],
    ])
  })

  it('passes Procfile errors through', () => {
    const result = convertProcfile('Procfile', 'oops\n', {modeline, name: 's', hasEnvFile: false})
    expect(!result.ok && result.issues.map((i) => i.code)).toEqual(['procfile-syntax'])
  })

  it('picks start (else dev) and worker-like scripts by default', () => {
    expect(defaultScripts({start: 'a', dev: 'b', 'worker:email': 'c', jobs: 'd', test: 'e', build: 'f'})).toEqual(['start', 'worker:email', 'jobs'])
    expect(defaultScripts({dev: 'b', test: 'e'})).toEqual(['dev'])
  })

  it('converts package.json scripts into `npm run NAME` runners', async () => {
    const pkg = JSON.stringify({name: '@acme/shop', scripts: {start: 'node s.js', 'worker:email': 'node w.js', test: 'vitest'}})
    const result = convertPackageJson('package.json', pkg, {modeline, name: stackNameFrom('@acme/shop')})
    if (!result.ok) throw new Error('expected a conversion')
    expect(result.runners).toEqual(['start', 'worker-email'])
    expect(result.text).toContain('# Other scripts (add with --scripts, or by hand): test')
    const plan = await loads(result.text)
    expect(plan.name).toBe('shop')
    expect(instances(plan).map((i) => i.command)).toEqual([{shell: 'npm run start'}, {shell: 'npm run worker:email'}])
  })

  it('takes --scripts, and suggests a misspelt one', () => {
    const pkg = JSON.stringify({scripts: {start: 'a', test: 'b'}})
    const chosen = convertPackageJson('package.json', pkg, {modeline, name: 's', scripts: ['test']})
    expect(chosen.ok && chosen.runners).toEqual(['test'])
    const wrong = convertPackageJson('package.json', pkg, {modeline, name: 's', scripts: ['strat']})
    expect(!wrong.ok && wrong.issues.map((i) => [i.code, i.hint])).toEqual([['unknown-reference', 'did you mean "start"?']])
    const none = convertPackageJson('package.json', JSON.stringify({scripts: {test: 'x'}}), {modeline, name: 's'})
    expect(!none.ok && none.issues[0].code).toBe('not-found')
  })

  it('writes names YAML would misread as other types quoted', async () => {
    const result = convertProcfile('Procfile', 'web: yes\n', {modeline, name: '123', hasEnvFile: false})
    if (!result.ok) throw new Error('expected a conversion')
    const dir = await tempDir()
    await writeFile(join(dir, 'mar.yaml'), result.text)
    const loaded = await loadStack({cwd: dir, env: BASE_ENV})
    expect(loaded.ok && [loaded.plan.name, instances(loaded.plan)[0].command]).toEqual(['123', {shell: 'yes'}])
  })
})
