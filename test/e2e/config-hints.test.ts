// YAML mistakes through the built binary: `mar validate` prints one line per
// problem, in the user's terms, and exits 2 — never a stack trace.
import {afterEach, describe, expect, it} from 'vitest'
import {mar, project} from '../helpers/cli.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('mar validate explains YAML mistakes', () => {
  it('keys at the wrong indentation, all of them, with the other errors of the file', async () => {
    const p = project({'mar.yaml': 'runners:\n  web:\n  cmd: node server.js\n  scale: 2\n  api:\n    cmd: x\n    sacle: 3\n'})
    cleanups.push(p.cleanup)
    for (const args of [['validate'], ['validate', '-c', 'mar.yaml']]) {
      const result = await mar(args, {cwd: p.dir})
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        'mar.yaml:3:3: "cmd" looks like a key of runner "web" — did you mean to indent it under "web"?',
        'mar.yaml:4:3: "scale" looks like a key of runner "web" — did you mean to indent it under "web"?',
        'mar.yaml:7:5: unknown key "sacle" — did you mean "scale"?',
      ])
    }
  })

  it('an unquoted ": " in a command, and the file\'s other mistakes with it', async () => {
    const p = project({'mar.yaml': 'name: clock\nrunners:\n  web:\n    cmd: echo time: now\n    sacle: 2\n'})
    cleanups.push(p.cleanup)
    const result = await mar(['validate'], {cwd: p.dir})
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('mar.yaml:4:10: the command contains ": " — quote the whole command: cmd: "echo time: now"\nmar.yaml:5:5: unknown key "sacle" — did you mean "scale"?\n')
  })
})
