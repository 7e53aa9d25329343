// A program that cannot start, through the built binary and a daemon in a
// temp MAR_HOME: `mar up` says why and exits 1 at once (not at --timeout),
// `mar status --json` carries the reason, and `mar validate` warns first.
import {chmodSync} from 'node:fs'
import {createServer, type AddressInfo} from 'node:net'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {instance, project, withHome, type Home} from '../helpers/daemon.js'
import {mar} from '../helpers/cli.js'

const homes: Home[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const home of homes.splice(0)) await home.cleanup()
  for (const cleanup of cleanups.splice(0)) cleanup()
})

const notExecutable = "./run.sh is not executable — chmod +x ./run.sh or run it as 'sh ./run.sh'"

describe('a script without the x bit', () => {
  it('fails at once in the daemon: mar up exits 1 long before --timeout, status shows the reason and no restarts', async () => {
    const home = withHome()
    homes.push(home)
    const p = project({'mar.yaml': 'name: app\nrunners:\n  web: ./run.sh\n', 'run.sh': '#!/bin/sh\nsleep 300\n'})
    cleanups.push(p.cleanup)
    chmodSync(join(p.dir, 'run.sh'), 0o644)
    // Were it retried, `up` would wait out the 120 s timeout, far past this test's 30 s.
    const up = await home.mar(['up', '--timeout', '120s'], {cwd: p.dir, timeoutMs: 30_000})
    expect(up.code).toBe(1)
    expect(up.stderr + up.stdout).toContain(notExecutable)
    expect(up.stderr).not.toMatch(/\n\s+at /)

    const status = await home.mar(['status', '--json'], {cwd: p.dir})
    const web = instance(JSON.parse(status.stdout), 'app', 'web.1')
    expect(web).toMatchObject({state: 'failed', reasonCode: 'spawn-not-executable', reason: notExecutable, restarts: 0, pid: null})

    // Fixed, it starts at the next ask: nothing remembered the failure.
    chmodSync(join(p.dir, 'run.sh'), 0o755)
    expect((await home.mar(['start', 'web'], {cwd: p.dir})).code).toBe(0)
    expect(instance(await home.status(), 'app', 'web.1')).toMatchObject({state: 'running', reasonCode: null})
  })

  it('mar validate warns with the same words, naming the line, and still exits 0', async () => {
    const p = project({'mar.yaml': 'runners:\n  web:\n    cmd: ./run.sh\n  gone: { cmd: no-such-program-x }\n', 'run.sh': '#!/bin/sh\n'})
    cleanups.push(p.cleanup)
    chmodSync(join(p.dir, 'run.sh'), 0o644)
    const result = await mar(['validate'], {cwd: p.dir})
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`mar.yaml:3: runner "web": ${notExecutable}`)
    expect(result.stdout).toMatch(/mar\.yaml:4: runner "gone": no-such-program-x not found on PATH \(/)
    const json = JSON.parse((await mar(['validate', '--json'], {cwd: p.dir})).stdout)
    expect(json.warnings).toContainEqual(expect.stringContaining(`runner "web": ${notExecutable}`))
  })
})

describe('several members of a group that cannot start', () => {
  it('each is failed with its own reason: none stays `starting` once a sibling failed the group first', async () => {
    const home = withHome()
    homes.push(home)
    // Its port held (by this test) so the member fails its port check, which takes a moment: the group is stopping by then.
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => holder.close())
    const port = (holder.address() as AddressInfo).port
    const yaml = `name: app
groups:
  base:
    runners:
      missing: { cmd: [/no/such/program-x] }
      noexec: ./run.sh
      porty: { cmd: sleep 300, port: ${port} }
  app:
    depends_on: [base]
    runners:
      web: sleep 300
`
    const p = project({'mar.yaml': yaml, 'run.sh': '#!/bin/sh\nsleep 300\n'})
    cleanups.push(p.cleanup)
    chmodSync(join(p.dir, 'run.sh'), 0o644)
    const up = await home.mar(['up', '--timeout', '60s'], {cwd: p.dir, timeoutMs: 30_000})
    expect(up.code).toBe(1)
    expect(up.stderr).toContain(notExecutable)
    expect(up.stderr).toContain(`port ${port} is in use`)

    const status = await home.status()
    expect(instance(status, 'app', 'missing.1')).toMatchObject({state: 'failed', reasonCode: 'spawn-not-found', pid: null})
    expect(instance(status, 'app', 'noexec.1')).toMatchObject({state: 'failed', reasonCode: 'spawn-not-executable', reason: notExecutable, pid: null})
    expect(instance(status, 'app', 'porty.1')).toMatchObject({state: 'failed', reasonCode: 'port-in-use', pid: null})
    expect(instance(status, 'app', 'web.1')).toMatchObject({state: 'stopped', reasonCode: 'dependency-failed'})
  })
})

describe('escape sequences in what mar shows', () => {
  it('a program path, a probe\'s output and a typed target reach the terminal as visible escapes, never obeyed', async () => {
    const home = withHome()
    homes.push(home)
    // The program's name sets the title and clears the screen; the exec probe's output writes the clipboard (OSC 52).
    const yaml = [
      'name: esc',
      'groups:',
      '  a: { runners: { bad: { cmd: ["/nonexistent/\\e]0;PWNED\\a\\e[2J"], restart: never } } }',
      '  b:',
      '    runners:',
      '      probe:',
      '        cmd: sleep 300',
      "        ready: { exec: \"printf '\\\\033[31mred\\\\033[0m \\\\033]52;c;aGk=\\\\007'; exit 1\", timeout: 1s, interval: 100ms }",
    ].join('\n')
    const p = project({'mar.yaml': `${yaml}\n`})
    cleanups.push(p.cleanup)
    const up = await home.mar(['up', '--timeout', '20s'], {cwd: p.dir, timeoutMs: 30_000})
    expect(up.code).toBe(1)
    const obeyed = /\x1b(?!\[[0-9;]*m)|[\x07\x9b]/
    expect(up.stdout + up.stderr).toContain('/nonexistent/\\x1b]0;PWNED\\x07\\x1b[2J not found')
    expect(up.stdout + up.stderr).not.toMatch(obeyed)
    const status = await home.mar(['status'], {cwd: p.dir})
    expect(status.stdout).toContain('\\x1b]0;PWNED')
    expect(status.stdout).not.toMatch(obeyed)
    const described = await home.mar(['describe', 'probe.1'], {cwd: p.dir})
    expect(described.stdout).toMatch(/exit 1 \(red \\x1b\]52;c;aGk=\\x07\)/)
    expect(described.stdout).not.toMatch(obeyed)
    const typed = await home.mar(['status', 'x\x1b]0;T\x07'], {cwd: p.dir})
    expect(typed.code).toBe(2)
    expect(typed.stderr).toMatch(/^mar: unknown target "x\\x1b\]0;T\\x07" — known: [^\n]*\n$/)
    await home.mar(['down'], {cwd: p.dir})
  })
})
