// The published JSON Schema is current, and every example and template
// validates both against it (what editors see) and with loadStack (what mar does).
import {readFile, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {renderJsonSchema} from '../../../src/config/json-schema.js'
import {loadStack} from '../../../src/config/load.js'
import {checkJsonSchema} from './json-schema-check.js'

const root = join(import.meta.dirname, '../../..')

async function configFiles(): Promise<string[]> {
  const found: string[] = []
  for (const [dir, match] of [
    ['examples', (name: string) => /(^|\/)mar\.ya?ml$/.test(name)],
    ['templates', (name: string) => /^[^/]+\.ya?ml$/.test(name)],
    ['test/fixtures/config/spec-example', (name: string) => name === 'mar.yaml'],
  ] as const) {
    const names = await readdir(join(root, dir), {recursive: true}).catch(() => [] as string[])
    found.push(...names.filter((name) => match(name)).map((name) => join(root, dir, name)))
  }
  return found.sort()
}

describe('JSON Schema', () => {
  it('the committed schema/mar.schema.json equals a fresh generation (run npm run build)', async () => {
    const committed = await readFile(join(root, 'schema/mar.schema.json'), 'utf8')
    expect(committed).toBe(renderJsonSchema())
  })

  it('has a title, draft-07 $schema and descriptions on keys', () => {
    const schema = JSON.parse(renderJsonSchema())
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#')
    expect(schema.title).toBe('mar.yaml')
    expect(schema.additionalProperties).toBe(false)
    const runner = schema.properties.groups.additionalProperties.properties.runners.additionalProperties.anyOf.find((b: {type?: string}) => b.type === 'object')
    expect(runner.properties.cmd.description).toMatch(/sh -c/)
    expect(runner.required).toEqual(['cmd'])
  })

  it('every example, template and the SPEC example validate against it and load', async () => {
    const schema = JSON.parse(renderJsonSchema())
    const files = await configFiles()
    expect(files.length).toBeGreaterThanOrEqual(2)
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      expect(checkJsonSchema(schema, parse(text, {merge: true})), file).toEqual([])
      const result = await loadStack({cwd: root, configPath: file, env: {PATH: '/bin', HOME: '/root'}})
      expect(result.ok ? [] : result.errors.map((e) => `${e.line}:${e.column} ${e.message}`), file).toEqual([])
    }
  })

  it('rejects what the loader rejects: an unknown key, a bad duration', () => {
    const schema = JSON.parse(renderJsonSchema())
    expect(checkJsonSchema(schema, {runners: {a: {cmd: 'x', comand: 'y'}}})).not.toEqual([])
    expect(checkJsonSchema(schema, {runners: {a: {cmd: 'x', stop: {timeout: '5 seconds'}}}})).not.toEqual([])
    expect(checkJsonSchema(schema, {runners: {a: {cmd: 'x', stop: {timeout: '5s'}}}})).toEqual([])
  })
})
