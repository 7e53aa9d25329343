import {describe, expect, it} from 'vitest'
import {compileUserPattern} from '../../../src/util/user-pattern.js'
import {isMarError} from '../../../src/util/errors.js'

describe('user patterns', () => {
  it('match in linear time: a catastrophic pattern for a backtracking engine over a long line', () => {
    const matcher = compileUserPattern('(a+)+$', '--grep')
    // JavaScript's engine takes seconds on 28 a's and b, and doubles with each more a; RE2 does not care.
    expect(matcher.test(`${'a'.repeat(100_000)}b`)).toBe(false)
    expect(matcher.test('xaaa')).toBe(true)
    expect(compileUserPattern('ERROR|WARN', '--grep').test('12:00 WARN disk')).toBe(true)
    expect(compileUserPattern('(?i)error', '--grep').test('An Error')).toBe(true)
  })

  it('refuses what RE2 cannot do, in one line with the fix', () => {
    for (const pattern of ['(?=a)', '(a)\\1', '[', 'x'.repeat(5000)]) {
      let error: unknown
      try {
        compileUserPattern(pattern, '--grep')
      } catch (caught) {
        error = caught
      }
      expect(isMarError(error) && error.code === 'bad-pattern').toBe(true)
      expect((error as Error).message.startsWith('--grep: ')).toBe(true)
      expect((error as Error).message).not.toContain('\n')
    }
  })
})
