import {describe, expect, it} from 'vitest'
import {KEY_ALIASES, editDistance, suggest} from '../../../src/config/suggest.js'

describe('did-you-mean', () => {
  it('measures transpositions as one edit', () => {
    expect(editDistance('cdm', 'cmd')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('finds close words and maps other tools’ words to ours', () => {
    const keys = ['cmd', 'cwd', 'env', 'env_file', 'scale', 'port', 'restart', 'depends_on']
    expect(suggest('comand', keys, KEY_ALIASES)).toBe('cmd')
    expect(suggest('command', keys, KEY_ALIASES)).toBe('cmd')
    expect(suggest('replicas', keys, KEY_ALIASES)).toBe('scale')
    expect(suggest('restrat', keys)).toBe('restart')
    expect(suggest('Port', keys)).toBe('port')
    expect(suggest('envfile', keys, KEY_ALIASES)).toBe('env_file')
  })

  it('does not guess wildly', () => {
    expect(suggest('db', ['web', 'cache'])).toBeUndefined()
    expect(suggest('zzzzzz', ['cmd', 'cwd'])).toBeUndefined()
  })
})
