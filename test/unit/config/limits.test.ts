// Issue 12, points 11 and 12: `validate` finishes on anything (files that
// never end or block, huge and deep documents), and what it accepts `up`
// can run (durations Node's timers hold, no NUL bytes, names that fit a
// path component). Real files: a FIFO from mkfifo, /dev/zero, a directory.
import {execFileSync} from 'node:child_process'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {LIMITS} from '../../../src/config/limits.js'
import {formatIssue} from '../../../src/config/issues.js'
import {checkPlan, PLAN_LIMITS} from '../../../src/daemon/check-plan.js'
import {loadStack} from '../../../src/config/load.js'
import {BASE_ENV, load, loadErrors, loadPlan, tempDir, where} from './helpers.js'
import {deadline} from '../../helpers/deadline.js'

const RAW_CONTROL = /[\x00-\x1f\x7f-\x9f]/
const runners = 'runners:\n  web: echo hi\n'

describe('validate finishes on any file', () => {
  it.each([
    ['/dev/zero', 'a character device'],
    ['/dev/urandom', 'a character device'],
    ['adir', 'a directory'],
    ['fifo', 'a FIFO'],
  ])('env_file: %s is refused without reading it', async (file, kind) => {
    const dir = await tempDir({'mar.yaml': `env_file: ${file}\n${runners}`, 'adir/x': ''})
    execFileSync('mkfifo', [join(dir, 'fifo')])
    const result = await loadStack({cwd: dir, env: BASE_ENV})
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.errors.map((e) => e.code)).toEqual(['unreadable-file'])
    expect(result.errors[0].message).toContain(kind)
  })

  it('the config itself may not be a device or a FIFO', async () => {
    const dir = await tempDir()
    execFileSync('mkfifo', [join(dir, 'fifo')])
    for (const file of [join(dir, 'fifo'), '/dev/zero']) {
      const {result} = await load({}, {configPath: file})
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.errors[0].message).toMatch(/not a regular file/)
    }
  })

  it('an env file past the size limit is refused, not read', async () => {
    const issues = await loadErrors(`env_file: big.env\n${runners}`, {files: {'big.env': `A=${'x'.repeat(LIMITS.envFileBytes)}\n`}})
    expect(issues[0].message).toMatch(/larger than 4 MiB/)
  })

  it('50 000 variables in an env file: refused past the bound, quickly', async () => {
    const lines = Array.from({length: 50_000}, (_, i) => `K${i}=v${i}`).join('\n')
    const issues = await loadErrors(`env_file: big.env\n${runners}`, {files: {'big.env': lines}})
    expect(issues.map((i) => i.message)).toEqual([`the environment of web.1 has ${50_000 + 2 + 4} variables; at most ${LIMITS.envKeys}`])
  }, deadline(20_000))

  it('50 000 keys in the YAML: duplicate keys found without comparing each with all', async () => {
    const env = Array.from({length: 50_000}, (_, i) => `  K${i}: v`).join('\n')
    const issues = await loadErrors(`env:\n${env}\n  K7: again\n${runners}`)
    expect(where(issues)).toContain('duplicate-name@50002:3')
  }, deadline(20_000))

  it('/etc/passwd as an env file: a few short excerpts, not every line', async () => {
    const passwd = Array.from({length: 40}, (_, i) => `user${i}:x:${i}:${i}:User ${i}:/home/user${i}:/bin/bash\x1b[31m`).join('\n')
    const issues = await loadErrors(`env_file: passwd\n${runners}`, {files: {passwd}})
    expect(issues).toHaveLength(4)
    expect(issues[3].message).toBe('and 37 more lines that are not KEY=VALUE')
    for (const issue of issues) {
      expect(formatIssue(issue)).not.toMatch(RAW_CONTROL)
      expect(issue.message.length).toBeLessThan(80)
    }
  })

  it.each([
    ['flow', `runners:\n  web:\n    cmd: ${'['.repeat(1000)}${']'.repeat(1000)}\n`],
    ['block', `runners:\n  web:\n    cmd:\n${Array.from({length: 1000}, (_, i) => `${' '.repeat(6 + i)}a:`).join('\n')}\n`],
    ['shallow but past the limit', `runners:\n  web:\n    cmd: ${'['.repeat(70)}${']'.repeat(70)}\n`],
  ])('1000-deep nesting (%s) says so', async (_kind, yaml) => {
    const issues = await loadErrors(yaml)
    expect(issues.map((i) => i.code)).toEqual(['too-deep'])
    expect(issues[0].message).toBe('maps and lists nested more than 64 levels deep')
  })
})

describe('what validate accepts, up can run', () => {
  it('durations past 2³¹−1 ms are refused, naming the longest', async () => {
    const issues = await loadErrors('runners:\n  web: {cmd: x, ready: {after: 600h}, stop: {timeout: 2147483648ms}, restart: {limit: 5/600h}}\n')
    expect(issues.map((i) => i.message).sort()).toEqual([
      '"ready.after": 600h is longer than the longest duration, 596h (about 24.8 days)',
      '"restart.limit": the window of a restart limit is at most 596h (about 24.8 days)',
      '"stop.timeout": 2147483648ms is longer than the longest duration, 596h (about 24.8 days)',
    ])
    const {plan} = await loadPlan('runners:\n  web: {cmd: x, ready: {after: 596h}, stop: {timeout: 2147483647ms}}\n')
    expect(() => checkPlan(plan)).not.toThrow()
  })

  it('a NUL byte in a command, an argument, an env value (YAML or env file) or cwd is refused where it was written', async () => {
    const yaml = 'env: {TOP: "a\\0b"}\nenv_file: nul.env\nrunners:\n  web: {cmd: "echo \\0", cwd: "d\\0"}\n  api: {cmd: [echo, "a\\0"], env: {OWN: "\\0"}}\n'
    const issues = await loadErrors(yaml, {files: {'nul.env': 'FILE=a\0b\n'}})
    const nul = issues.filter((i) => /NUL/.test(i.message))
    expect(where(nul)).toEqual(expect.arrayContaining(['invalid-value@1:12', 'invalid-value@2:11', 'invalid-value@4:14', 'invalid-value@4:30', 'invalid-value@5:21', 'invalid-value@5:40']))
    for (const issue of issues) expect(formatIssue(issue)).not.toMatch(RAW_CONTROL)
  })

  it('names: at most 100 characters, and the daemon agrees', async () => {
    const long = 'a'.repeat(LIMITS.nameChars)
    expect(PLAN_LIMITS.nameChars).toBe(LIMITS.nameChars)
    const {plan} = await loadPlan(`name: ${long}\ngroups:\n  ${long}:\n    runners:\n      ${long}: {cmd: x, scale: 10000}\n`)
    expect(() => checkPlan(plan)).not.toThrow()
    const issues = await loadErrors(`name: ${long}x\ngroups:\n  ${long}x:\n    runners: {web: echo}\n  app:\n    runners:\n      ${long}x: echo\n`)
    expect(where(issues)).toEqual(['invalid-value@1:7', 'invalid-value@3:3', 'invalid-value@7:7'])
    // A plan that bypassed validate (a 300-character stack name restart-looped on ENAMETOOLONG) is refused by the daemon.
    expect(() => checkPlan({...plan, name: 's'.repeat(300)})).toThrow(/plan.name must be a string of at most 100 characters/)
  }, deadline(20_000))

  it('scale and the stack are bounded: 1 000 000 instances are refused at once', async () => {
    const issues = await loadErrors('runners:\n  web: {cmd: x, scale: 1000000}\n')
    expect(issues.map((i) => i.message)).toEqual(['"scale" must be at most 10000, got the number 1000000'])
    const many = await loadErrors('runners:\n  a: {cmd: x, scale: 6000}\n  b: {cmd: x, scale: 6000}\n')
    expect(many.map((i) => i.message)).toEqual(['the stack has more than 10000 instances'])
  }, deadline(20_000))

  it('control bytes in what an error quotes back are escaped', async () => {
    const issues = await loadErrors('runners:\n  "we\\x1bb": {cmd: x, scale: "\\x1b[2J"}\n')
    for (const issue of issues) expect(formatIssue(issue)).not.toMatch(RAW_CONTROL)
    expect(issues[0].message).toContain('we\\x1bb')
  })
})
