import {describe, expect, it} from 'vitest'
import {parseEnvFile} from '../../../src/config/env-file.js'

describe('env files (dotenv)', () => {
  it('reads KEY=VALUE, export, comments, blank lines and quotes', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=hello world  # trailing comment',
      'export EXPORTED=yes',
      "SINGLE='keep ${AS} is \\n'",
      'DOUBLE="line1\\nline2 \\"q\\" \\$HOME"',
      'EMPTY=',
      'SPACED = around ',
      'HASH=a#b',
      'MULTI="first',
      'second"',
    ].join('\n')
    const {vars, issues} = parseEnvFile(text, '.env')
    expect(issues).toEqual([])
    expect(vars).toEqual({
      PLAIN: 'hello world',
      EXPORTED: 'yes',
      SINGLE: 'keep ${AS} is \\n',
      DOUBLE: 'line1\nline2 "q" $HOME',
      EMPTY: '',
      SPACED: 'around',
      HASH: 'a#b',
      MULTI: 'first\nsecond',
    })
  })

  it('reports bad lines with line and column', () => {
    const {issues} = parseEnvFile('OK=1\njust words\n  1BAD=x\nQ="open\n', '.env')
    expect(issues.map((i) => `${i.code}@${i.line}:${i.column}`)).toEqual(['invalid-env-file@2:5', 'invalid-env-file@3:3', 'invalid-env-file@4:3'])
  })
})
