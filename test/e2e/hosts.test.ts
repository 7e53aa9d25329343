// Hosts through the built binary: names and ssh destinations that try to
// inject into a shell or into ssh's options are config errors (exit 2, one
// line each, nothing run), a runner naming a host not declared is one too,
// and `mar hosts` lists the hosts, with and without a daemon.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {stackTests} from '../helpers/stack-tests.js'

const t = stackTests()

describe('hostile host and runner names', () => {
  const cases: Array<[what: string, yaml: string, line: RegExp]> = [
    ['a host named "web; rm -rf ~"', 'hosts:\n  "web; rm -rf ~": {ssh: h1}\nrunners: {a: touch MARKER}\n', /^mar\.yaml:2:3: invalid name "web; rm -rf ~": a name may contain only letters/],
    ['a host named "$(touch MARKER)"', 'hosts:\n  "$(touch MARKER)": {ssh: h1}\nrunners: {a: touch MARKER}\n', /^mar\.yaml:2:3: invalid name "\$\(touch MARKER\)"/],
    ['a host named "-oProxyCommand=touch MARKER"', 'hosts:\n  "-oProxyCommand=touch MARKER": {ssh: h1}\nrunners: {a: touch MARKER}\n', /^mar\.yaml:2:3: invalid name "-oProxyCommand=touch MARKER": .*starts with a letter or digit/],
    ['a runner named "web; rm -rf ~"', 'runners:\n  "web; rm -rf ~": touch MARKER\n', /^mar\.yaml:2:3: invalid name "web; rm -rf ~"/],
    ['a runner named "$(touch MARKER)"', 'runners:\n  "$(touch MARKER)": touch MARKER\n', /^mar\.yaml:2:3: invalid name "\$\(touch MARKER\)"/],
    ['a runner named "-x"', 'runners:\n  "-x": touch MARKER\n', /^mar\.yaml:2:3: invalid name "-x"/],
    ['an ssh destination starting with "-"', 'hosts:\n  h1: {ssh: "-oProxyCommand=touch MARKER"}\nrunners: {a: {cmd: touch MARKER, hosts: [h1]}}\n', /^mar\.yaml:2:13: host "h1": ssh destination "-oProxyCommand=touch MARKER" starts with "-", which ssh would read as an option — write user@host/],
    ['an ssh destination with a space', 'hosts:\n  h1: {ssh: "h1 touch MARKER"}\nrunners: {a: {cmd: touch MARKER, hosts: [h1]}}\n', /^mar\.yaml:2:13: host "h1": ssh destination "h1 touch MARKER" contains whitespace/],
    ['an ssh destination with a newline', 'hosts:\n  h1: {ssh: "h1\\ntouch MARKER"}\nrunners: {a: {cmd: touch MARKER, hosts: [h1]}}\n', /^mar\.yaml:2:13: host "h1": ssh destination "h1\\ntouch MARKER" contains a control character/],
    ['a runner naming a host not declared', 'hosts:\n  h1: {ssh: h1}\nrunners:\n  web: {cmd: touch MARKER, hosts: [h2]}\n', /^mar\.yaml:4:36: runner "web" names host "h2", which is not declared — did you mean "h1"\? \(declared hosts: local, h1\)$/],
  ]

  it.each(cases)('%s: a config error (exit 2, one line), for validate and up alike, and nothing runs', async (_what, yaml, line) => {
    const {home, dir} = t.setup(yaml)
    for (const args of [['validate'], ['up', '--no-wait']]) {
      const result = await home.mar(args, {cwd: dir})
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)])
    }
    expect(home.daemonPid()).toBeNull()
    expect(existsSync(join(dir, 'MARKER'))).toBe(false)
  })
})
