import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {plainWords, shellEnv, toArgv} from '../../../src/supervisor/command.js'

describe('string commands without shell syntax are exec’d directly', () => {
  it('splits plain words, and keeps options with = and paths', () => {
    expect(plainWords('sleep 600')).toEqual(['sleep', '600'])
    expect(plainWords('  ./bin/server\t--port=8080 -v  ')).toEqual(['./bin/server', '--port=8080', '-v'])
    expect(plainWords('node a.js user@host:/x,y 50% +1')).toEqual(['node', 'a.js', 'user@host:/x,y', '50%', '+1'])
    expect(toArgv({shell: 'sleep 600'})).toEqual({file: 'sleep', args: ['600']})
  })

  it.each([
    ['a variable', 'node $HOME'],
    ['quotes', "sleep '600'"],
    ['double quotes', 'node "a b.js"'],
    ['a glob', 'ls *.js'],
    ['a redirection', 'server > out.log'],
    ['an operator', 'a && b'],
    ['a pipe', 'a | b'],
    ['a background job', 'server &'],
    ['a comment', 'sleep 600 # why'],
    ['a tilde', 'ls ~/x'],
    ['a backslash', 'grep a\\b'],
    ['a subshell', '(server)'],
    ['brace syntax', 'ls {a,b}'],
    ['a leading assignment', 'PORT=1 server'],
    ['a builtin', 'exec sleep 600'],
    ['a keyword', 'while true'],
    ['an empty string', '   '],
    ['a newline', 'a\nb'],
  ])('leaves %s to the shell', (_what, shell) => {
    expect(plainWords(shell)).toBeNull()
    expect(toArgv({shell}).file).toBe('/bin/sh')
  })

  it('adds PWD as sh would, for string commands only', () => {
    const direct = spawnSync('env', [], {cwd: '/tmp', env: {A: '1', ...shellEnv({shell: 'env'}, '/tmp')}, encoding: 'utf8'}).stdout.trim().split('\n').sort()
    // What dash (Debian's /bin/sh) passes on: the environment plus PWD.
    expect(direct).toEqual(['A=1', 'PWD=/tmp'])
    expect(shellEnv({argv: ['env']}, '/tmp')).toEqual({})
  })
})
