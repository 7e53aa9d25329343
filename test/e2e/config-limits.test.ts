// `mar validate` on what used to hang it or pass it and fail at `up`
// (issue 12): exit 2, one escaped line per problem, no stack trace, fast.
import {execFileSync} from 'node:child_process'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {mar, project} from '../helpers/cli.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function setUp(files: Record<string, string>): string {
  const p = project(files)
  cleanups.push(p.cleanup)
  return p.dir
}

async function validate(dir: string, args: string[] = []): Promise<string[]> {
  const result = await mar(['validate', ...args], {cwd: dir, timeoutMs: 15_000})
  expect(result.code).toBe(2)
  expect(result.stdout).toBe('')
  expect(result.stderr).not.toMatch(/\n\s+at |Error:/)
  expect(result.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/)
  return result.stderr.trimEnd().split('\n')
}

describe('mar validate finishes, and refuses what cannot run', () => {
  it('env files that never end or block: /dev/zero, a FIFO, a directory', async () => {
    const dir = setUp({'mar.yaml': 'env_file: [/dev/zero, fifo, sub]\nrunners:\n  web: echo hi\n', 'sub/x': ''})
    execFileSync('mkfifo', [join(dir, 'fifo')])
    expect(await validate(dir)).toEqual([
      'mar.yaml:1:12: cannot read env_file "/dev/zero": it is a character device, not a regular file',
      'mar.yaml:1:23: cannot read env_file "fifo": it is a FIFO (named pipe), not a regular file',
      'mar.yaml:1:29: cannot read env_file "sub": it is a directory, not a regular file',
    ])
    expect(await validate(dir, ['-c', 'fifo'])).toEqual(['fifo: cannot read the config file: it is a FIFO (named pipe), not a regular file — name the mar.yaml itself with -c'])
  })

  it('600h, a NUL byte, a 300-character name, a million instances, 1000-deep nesting', async () => {
    const dir = setUp({
      'mar.yaml': `name: ${'s'.repeat(300)}\nrunners:\n  web: {cmd: "echo \\0", ready: {after: 600h}, stop: {timeout: 600h}, scale: 1000000}\n`,
      'deep/mar.yaml': `runners:\n  web:\n    cmd: ${'['.repeat(1000)}${']'.repeat(1000)}\n`,
    })
    expect(await validate(dir)).toEqual([
      'mar.yaml:1:7: "name" may have at most 100 characters, got 300',
      'mar.yaml:3:14: the command contains a NUL byte, which no program can be given',
      'mar.yaml:3:40: "ready.after": 600h is longer than the longest duration, 596h (about 24.8 days)',
      'mar.yaml:3:63: "stop.timeout": 600h is longer than the longest duration, 596h (about 24.8 days)',
      'mar.yaml:3:77: "scale" must be at most 10000, got the number 1000000',
    ])
    expect(await validate(join(dir, 'deep'))).toEqual(['mar.yaml:3:74: maps and lists nested more than 64 levels deep — a mar.yaml needs 7 levels at most: is this the right file?'])
  })
})
