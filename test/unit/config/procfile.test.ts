import {describe, expect, it} from 'vitest'
import {parseProcfile} from '../../../src/config/procfile.js'

describe('Procfile parsing', () => {
  it('reads name: command lines, skipping comments and blank lines', () => {
    const {source, issues} = parseProcfile('Procfile', '# processes\nweb: node server.js --port $PORT\n\nworker:bundle exec sidekiq\n')
    expect(issues).toEqual([])
    expect(source.data).toEqual({runners: {web: 'node server.js --port $PORT', worker: 'bundle exec sidekiq'}})
    expect(source.locator.locate(['runners', 'worker'], 'key')).toEqual({line: 4, column: 1})
    expect(source.locator.locate(['runners', 'web'])).toEqual({line: 2, column: 6})
    expect(source.locator.locateInString?.(['runners', 'web'], 5)).toEqual({line: 2, column: 11})
  })

  it('reports bad lines and duplicates with their line numbers', () => {
    const {issues} = parseProcfile('Procfile', 'web: a\nno colon here\nweb: b\n')
    expect(issues.map((i) => `${i.code}@${i.line}:${i.column}`)).toEqual(['procfile-syntax@2:1', 'duplicate-name@3:1'])
    expect(issues[1].hint).toContain('line 1')
  })
})
