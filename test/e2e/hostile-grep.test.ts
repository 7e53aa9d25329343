// A pattern that takes a backtracking engine exponential time, over lines
// made for it: `mar logs --grep` answers, and the daemon answers everyone
// else meanwhile (it matches with RE2's linear-time engine).
import {afterEach, describe, expect, it} from 'vitest'
import {project, withHome, type Home} from '../helpers/daemon.js'
import {waitFor} from '../helpers/wait.js'

const homes: Home[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const home of homes.splice(0)) await home.cleanup()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('--grep cannot freeze the daemon', () => {
  it("'(a+)+$' over 200 lines of 28 a's and a b: answered, and status answers meanwhile", async () => {
    const home = withHome()
    homes.push(home)
    // JavaScript's engine needs seconds for one such line; 200 of them would take the daemon for many minutes.
    const p = project({'mar.yaml': `name: evil\nrunners:\n  w: { cmd: "for i in $(seq 200); do echo ${'a'.repeat(28)}b; done; echo done; exec sleep 300" }\n`})
    cleanups.push(p.cleanup)
    expect((await home.mar(['up'], {cwd: p.dir})).code).toBe(0)
    await waitFor('the lines to be stored', async () => (await home.mar(['logs', '-n', '1'], {cwd: p.dir})).stdout.includes('done'), 20_000, 100)
    const [grep, status] = await Promise.all([home.mar(['logs', '--grep', '(a+)+$', '-n', '1000'], {cwd: p.dir}), home.mar(['status', '--json'])])
    expect(grep.code).toBe(0)
    expect(grep.stdout).toBe('')
    expect(status.code).toBe(0)
    const lookahead = await home.mar(['logs', '--grep', '(?=a)'], {cwd: p.dir})
    expect(lookahead.code).toBe(2)
    expect(lookahead.stderr).toContain('mar: --grep: invalid or unsupported Perl syntax')
  })
})
