// A pattern that takes a backtracking engine exponential time, over lines
// made for it: `mar logs --grep` answers, and the daemon answers everyone
// else meanwhile (it matches with RE2's linear-time engine).
import {describe, expect, it} from 'vitest'
import {stackTests} from '../helpers/stack-tests.js'
import {waitFor} from '../helpers/wait.js'

const t = stackTests()

describe('--grep cannot freeze the daemon', () => {
  it("'(a+)+$' over 200 lines of 28 a's and a b: answered, and status answers meanwhile", async () => {
    // JavaScript's engine needs seconds for one such line; 200 of them would take the daemon for many minutes.
    const {home, dir} = t.setup(`name: evil\nrunners:\n  w: { cmd: "for i in $(seq 200); do echo ${'a'.repeat(28)}b; done; echo done; exec sleep 300" }\n`)
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    await waitFor('the lines to be stored', async () => (await home.mar(['logs', '-n', '1'], {cwd: dir})).stdout.includes('done'), 20_000, 100)
    const [grep, status] = await Promise.all([home.mar(['logs', '--grep', '(a+)+$', '-n', '1000'], {cwd: dir}), home.mar(['status', '--json'])])
    expect(grep.code).toBe(0)
    expect(grep.stdout).toBe('')
    expect(status.code).toBe(0)
    const lookahead = await home.mar(['logs', '--grep', '(?=a)'], {cwd: dir})
    expect(lookahead.code).toBe(2)
    expect(lookahead.stderr).toContain('mar: --grep: invalid or unsupported Perl syntax')
  })
})
