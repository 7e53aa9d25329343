// The YAML mistakes people make, through the real loader: keys at the wrong
// indentation and unquoted ": " in commands get one line in the user's terms.
import {describe, expect, it} from 'vitest'
import {formatIssue} from '../../../src/config/issues.js'
import {load, loadPlan} from './helpers.js'

/** The formatted lines `mar validate` would print for this mar.yaml. */
async function lines(yaml: string): Promise<string[]> {
  const {result, dir} = await load({'mar.yaml': yaml})
  expect(result.ok, 'expected the config to be invalid').toBe(false)
  return result.ok ? [] : result.errors.map((issue) => formatIssue(issue, dir))
}

describe('keys at the wrong indentation', () => {
  it('a runner key next to an empty runner', async () => {
    expect(await lines('runners:\n  web:\n  cmd: node server.js\n')).toEqual(['mar.yaml:3:3: "cmd" looks like a key of runner "web" — did you mean to indent it under "web"?'])
  })

  it('every key of the block, and other errors of the file with them, top to bottom', async () => {
    const yaml = ['runners:', '  web:', '  cmd: node server.js', '  scale: 2', '  ready:', '    tcp: 80', '  api:', '    cmd: x', '    sacle: 2', ''].join('\n')
    expect(await lines(yaml)).toEqual([
      'mar.yaml:3:3: "cmd" looks like a key of runner "web" — did you mean to indent it under "web"?',
      'mar.yaml:4:3: "scale" looks like a key of runner "web" — did you mean to indent it under "web"?',
      'mar.yaml:5:3: "ready" looks like a key of runner "web" — did you mean to indent it under "web"?',
      'mar.yaml:9:5: unknown key "sacle" — did you mean "scale"?',
    ])
  })

  it('a runner key at the top level, after the runners', async () => {
    expect(await lines('runners:\n  web:\ncmd: node server.js\n')).toEqual(['mar.yaml:3:1: "cmd" looks like a key of runner "web" — did you mean to indent it under "web"?'])
    expect(await lines('runners:\n  web:\n    cmd: x\nscale: 2\n')).toEqual(['mar.yaml:4:1: "scale" looks like a key of runner "web" — did you mean to indent it under "web"?'])
  })

  it('a probe key at the runner level', async () => {
    expect(await lines('runners:\n  web:\n    cmd: node\n    ready:\n    tcp: 80\n')).toEqual(['mar.yaml:5:5: "tcp" looks like a key of "ready" in runner "web" — did you mean to indent it under "ready"?'])
    expect(await lines('runners:\n  web:\n    cmd: node\n    ready:\n      http: http://x/\n    timeout: 5s\n')).toEqual([
      'mar.yaml:6:5: "timeout" looks like a key of "ready" in runner "web" — did you mean to indent it under "ready"?',
    ])
  })

  it('a runner key among the runners that is no valid runner', async () => {
    expect(await lines('runners:\n  web:\n    cmd: x\n  ready:\n    tcp: 80\n')).toEqual(['mar.yaml:4:3: "ready" looks like a key of runner "web" — did you mean to indent it under "web"?'])
  })

  it('group and host keys', async () => {
    expect(await lines('groups:\n  app:\n  runners:\n    web: x\n')).toEqual(['mar.yaml:3:3: "runners" looks like a key of group "app" — did you mean to indent it under "app"?'])
    expect(await lines('hosts:\n  web1:\n  ssh: a@b\nrunners: {x: y}\n')).toEqual(['mar.yaml:3:3: "ssh" looks like a key of host "web1" — did you mean to indent it under "web1"?'])
  })

  it('a name that is a key but whose value would not fit it stays a name', async () => {
    expect(await lines('runners:\n  web:\n  log: tail -f x\n')).toEqual(['mar.yaml:2:7: "web" must be a string, a list or a map, got nothing'])
  })

  it('leaves alone a runner that happens to be called like a key', async () => {
    const {plan} = await loadPlan('runners:\n  web:\n    cmd: x\n  cmd: y\n')
    expect(plan.groups[0].runners.map((r) => r.name)).toEqual(['web', 'cmd'])
  })
})

describe('an unquoted ": " in a value', () => {
  it('in a command', async () => {
    expect(await lines('name: x\nrunners:\n  web:\n    cmd: echo time: now\n')).toEqual(['mar.yaml:4:10: the command contains ": " — quote the whole command: cmd: "echo time: now"'])
  })

  it('with the other mistakes of the file: it is checked as if quoted', async () => {
    const yaml = ['runners:', '  web:', '    cmd: echo time: now # clock', '    sacle: 2', '  api: @api', '  db:', '  cmd: postgres', ''].join('\n')
    expect(await lines(yaml)).toEqual([
      'mar.yaml:3:10: the command contains ": " — quote the whole command: cmd: "echo time: now"',
      'mar.yaml:4:5: unknown key "sacle" — did you mean "scale"?',
      'mar.yaml:5:8: a plain value cannot start with "@" — quote it: api: "@api"',
      'mar.yaml:7:3: "cmd" looks like a key of runner "db" — did you mean to indent it under "db"?',
    ])
    // Not when another syntax error has no certain fix.
    expect(await lines('runners:\n  web:\n    cmd: echo time: now\n    sacle: 2\n\tapi: x\n')).toEqual([
      'mar.yaml:3:10: the command contains ": " — quote the whole command: cmd: "echo time: now"',
      'mar.yaml:5:1: a tab in the indentation — YAML indents with spaces only; replace the tab with spaces',
    ])
  })

  it('in the short form, without the comment', async () => {
    expect(await lines('runners:\n  web: echo time: now # the clock\n')).toEqual(['mar.yaml:2:8: the command contains ": " — quote the whole command: web: "echo time: now"'])
  })

  it('in a list item, parsed as a map or not parsed at all', async () => {
    expect(await lines('runners:\n  web:\n    cmd:\n      - echo a: b\n')).toEqual(['mar.yaml:4:9: the command contains ": " — quote the whole item: - "echo a: b"'])
    expect(await lines('runners:\n  web:\n    cmd:\n    - echo a: b: c\n')).toEqual(['mar.yaml:4:7: the command contains ": " — quote the whole item: - "echo a: b: c"'])
    expect(await lines('runners:\n  web:\n    cmd: [sh, -c, echo a: b]\n')).toEqual(['mar.yaml:3:19: the command contains ": " — quote the whole item: "echo a: b"'])
  })

  it('quotes with single quotes a value holding double quotes; a probe command and a flow map too', async () => {
    expect(await lines('runners:\n  web:\n    cmd: x\n    ready:\n      exec: curl -H "a: b" x: y\n')).toEqual([`mar.yaml:5:13: the command contains ": " — quote the whole command: exec: 'curl -H "a: b" x: y'`])
    expect(await lines('runners:\n  web: {cmd: echo a: b}\n')).toEqual(['mar.yaml:2:14: the command contains ": " — quote the whole command: cmd: "echo a: b"'])
  })

  it('in another value, and a trailing ":"', async () => {
    expect(await lines('runners:\n  web:\n    cmd: x\n    ready:\n      log: listening on: 80\n')).toEqual(['mar.yaml:5:12: the value contains ": " — quote it: log: "listening on: 80"'])
    expect(await lines('runners:\n  web:\n    cmd: echo a:\n')).toEqual(['mar.yaml:3:10: the command ends with ":" — quote the whole command: cmd: "echo a:"'])
  })
})

describe('other YAML mistakes', () => {
  it('a key indented deeper than the one above, a tab, a reserved first character', async () => {
    expect(await lines('runners:\n  web:\n    cmd: x\n      scale: 2\n')).toEqual(['mar.yaml:4:7: "scale" is indented deeper than "cmd" on line 3 — align it with "cmd" (column 5)'])
    expect(await lines('runners:\n\tweb: x\n')).toEqual(['mar.yaml:2:1: a tab in the indentation — YAML indents with spaces only; replace the tab with spaces'])
    expect(await lines('runners:\n  web: @foo bar\n')).toEqual(['mar.yaml:2:8: a plain value cannot start with "@" — quote it: web: "@foo bar"'])
  })

  it('an unclosed quote, where it opened', async () => {
    expect(await lines('runners:\n  web: "echo \\"hi\\""\n  api: \'it\'\'s\n  db: x\n')).toEqual(['mar.yaml:3:8: the single quote opened here is not closed — end the value with \' on this line'])
    expect(await lines('runners:\n  web:\n    cmd: "echo hi\n')).toEqual(['mar.yaml:3:10: the double quote opened here is not closed — end the value with " on this line'])
  })

  it('keeps the parser\'s message when no hint applies', async () => {
    expect(await lines('runners:\n  web:\n    cmd: x\n   scale: 2\n')).toEqual(['mar.yaml:4:1: invalid YAML: All mapping items must start at the same column'])
  })
})
