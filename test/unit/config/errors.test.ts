// Every kind of config error: its code and the exact line:column it points at.
import {describe, expect, it} from 'vitest'
import {configError, formatIssue} from '../../../src/config/issues.js'
import {load, loadErrors, loadPlan, where} from './helpers.js'

describe('config errors: codes and positions', () => {
  it('formats an unknown key as FILE:LINE:COL: message — did you mean', async () => {
    const yaml = ['groups:', '  app:', '    runners:', '      web:', '        cmd: node server.js', '      api:', '        comand: node api.js', ''].join('\n')
    const {result, dir} = await load({'mar.yaml': yaml})
    expect(result.ok).toBe(false)
    if (result.ok) return
    const lines = result.errors.map((issue) => formatIssue(issue, dir))
    expect(lines).toContain('mar.yaml:7:9: unknown key "comand" — did you mean "cmd"?')
    // "missing cmd" would only repeat the did-you-mean, so it is left out
    expect(where(result.errors)).toEqual(['unknown-key@7:9'])
  })

  it('reports YAML syntax errors with their line, all of them', async () => {
    const issues = await loadErrors('groups:\n  app: [1, 2\n  b: "x\n')
    expect(issues.every((i) => i.code === 'yaml-syntax')).toBe(true)
    expect(issues.length).toBeGreaterThanOrEqual(2)
    expect(issues[0].line).toBe(3)
  })

  it('reports duplicate keys (a duplicate group) and keeps validating', async () => {
    const issues = await loadErrors('groups:\n  app:\n    runners: {a: x}\n  app:\n    runners: {b: y}\n    strategy: nope\n')
    expect(where(issues)).toEqual(['duplicate-name@4:3', 'invalid-value@6:15'])
    expect(issues[0].message).toBe('duplicate key "app"')
  })

  it('reports duplicate runner names across groups at the second one', async () => {
    const issues = await loadErrors('groups:\n  one:\n    runners:\n      web: a\n  two:\n    runners:\n      web: b\n')
    expect(where(issues)).toEqual(['duplicate-name@7:7'])
    expect(issues[0].hint).toContain('line 4')
  })

  it('reports a missing required key at the name of its parent', async () => {
    const issues = await loadErrors('runners:\n  web:\n    scale: 2\n')
    expect(where(issues)).toEqual(['missing-key@2:3'])
    expect(issues[0].message).toBe('missing required key "cmd"')
  })

  it('reports a wrong type at the value', async () => {
    const issues = await loadErrors('runners:\n  web:\n    cmd: x\n    scale: many\n')
    expect(where(issues)).toEqual(['invalid-type@4:12'])
    expect(issues[0].message).toBe('"scale" must be a number, got "many"')
  })

  it('reports a bad duration, a bare number as a duration, and a bad size', async () => {
    const issues = await loadErrors('runners:\n  web:\n    cmd: x\n    stop: {timeout: 5 seconds}\n    ready: {tcp: 80, timeout: 30}\n    memory_limit: lots\n')
    expect(where(issues)).toEqual(['invalid-value@4:21', 'invalid-value@5:31', 'invalid-value@6:19'])
    expect(issues[1].message).toContain('write 30s or 30ms')
  })

  it('suggests the enum value that was meant', async () => {
    const issues = await loadErrors('groups:\n  app:\n    strategy: paralel\n    runners: {web: x}\n')
    expect(where(issues)).toEqual(['invalid-value@3:15'])
    expect(issues[0].hint).toBe('did you mean "parallel"?')
  })

  it('reports unknown depends_on targets with a suggestion', async () => {
    const issues = await loadErrors('groups:\n  infra:\n    runners: {db: x}\n  app:\n    depends_on: [infar]\n    runners: {web: y}\n')
    expect(where(issues)).toEqual(['unknown-reference@5:18'])
    expect(issues[0].hint).toBe('did you mean "infra"?')
  })

  it('names a dependency cycle', async () => {
    const yaml = ['groups:', '  a:', '    depends_on: [c]', '    runners: {x: x}', '  b:', '    depends_on: {a: started}', '    runners: {y: y}', '  c:', '    depends_on: [b]', '    runners: {z: z}', ''].join('\n')
    const issues = await loadErrors(yaml)
    // reported at the entry that closes the cycle: b's dependency on a
    expect(where(issues)).toEqual(['dependency-cycle@6:18'])
    expect(issues[0].message).toBe('dependency cycle: a → c → b → a')
  })

  it('reports a group that depends on itself', async () => {
    const issues = await loadErrors('groups:\n  a:\n    depends_on: [a]\n    runners: {x: x}\n')
    expect(where(issues)).toEqual(['dependency-cycle@3:18'])
  })

  it('reports unknown hosts and labels', async () => {
    const issues = await loadErrors('hosts:\n  web1: {ssh: a, labels: [web]}\nrunners:\n  app: {cmd: x, hosts: [web, web2]}\n')
    expect(where(issues)).toEqual(['unknown-reference@4:30'])
    expect(issues[0].message).toBe('runner "app" names host "web2", which is not declared')
    expect(issues[0].hint).toBe('did you mean "web1"? (declared hosts: local, web1; labels: web)')
  })

  it('reports an unknown ${VAR} at the variable, in argv and shell strings alike', async () => {
    const yaml = 'runners:\n  a: {cmd: [echo, "x${NOPE}"]}\n  b: echo ${ALSO_NOPE} ${OK:-fine}\n'
    const issues = await loadErrors(yaml)
    expect(where(issues)).toEqual(['unknown-variable@2:21', 'unknown-variable@3:11'])
    expect(issues[0].message).toBe('unknown variable ${NOPE}')
  })

  it('warns about a missing explicit env_file (read as "when present", as the README says), and is silent about a missing implicit .env', async () => {
    const top = await loadPlan('env_file: [.env.local]\nrunners: {a: x}\n')
    expect(top.warnings).toEqual([expect.stringMatching(/mar\.yaml:1:12: env_file "\.env\.local" not found; skipped$/)])
    const runner = await loadPlan('runners:\n  a: {cmd: x, env_file: nope.env}\n')
    expect(runner.warnings).toEqual([expect.stringMatching(/mar\.yaml:2:25: env_file "nope\.env" not found; skipped$/)])
    expect((await loadPlan('runners: {a: x}\n')).warnings).toEqual([])
  })

  it('reports errors inside an env file at their own line', async () => {
    const issues = await loadErrors('env_file: .env\nrunners: {a: x}\n', {files: {'.env': 'A=1\nnot a line\n'}})
    expect(where(issues)).toEqual(['invalid-env-file@2:4'])
    expect(issues[0].file).toMatch(/\.env$/)
  })

  it('reports an impossible placement naming the runner', async () => {
    const yaml = 'hosts:\n  box: {ssh: box, cpus: 2}\nrunners:\n  web:\n    cmd: x\n    scale: 5\n    hosts: [box]\n    resources: {cpu: 0.5}\n'
    const issues = await loadErrors(yaml)
    expect(where(issues)).toEqual(['placement@8:5'])
    expect(issues[0].message).toContain('web.5')
  })

  it('reports probe mistakes: two checks, status without http, a bad URL, a bad regex', async () => {
    const yaml = ['runners:', '  a:', '    cmd: x', '    ready: {tcp: 1, exec: y}', '  b:', '    cmd: x', '    ready: {exec: y, status: 200}', '  c:', '    cmd: x', '    ready: {http: "not a url"}', '  d:', '    cmd: x', '    health: {log: "(unclosed"}', ''].join('\n')
    const issues = await loadErrors(yaml)
    expect(where(issues)).toEqual(['invalid-value@4:27', 'invalid-value@7:30', 'invalid-value@10:19', 'invalid-value@13:19'])
  })

  it('reports a file with neither groups nor runners, and both', async () => {
    expect(where(await loadErrors('name: x\n'))).toEqual(['missing-key@1:1'])
    expect(where(await loadErrors('groups: {a: {runners: {x: y}}}\nrunners: {z: w}\n'))).toEqual(['invalid-value@2:1'])
    expect(where(await loadErrors(''))).toEqual(['missing-key@1:1'])
  })

  it('reports a runner written into a group without runners:', async () => {
    const issues = await loadErrors('groups:\n  app:\n    web: {cmd: x}\n')
    expect(where(issues)).toEqual(['missing-key@2:3', 'unknown-key@3:5'])
    expect(issues[1].hint).toContain('runners:')
  })

  it('reports invalid names at the key', async () => {
    expect(where(await loadErrors('runners:\n  web.app: x\n'))).toEqual(['invalid-value@2:3'])
  })

  it('reports many errors of one file in one run, top to bottom', async () => {
    const yaml = [
      'groups:', //                           1
      '  infra:', //                          2
      '    strategy: ordred', //              3
      '    runners:', //                      4
      '      db:', //                         5
      '        cmd: postgres', //             6
      '        stop: {signal: SIGTREM}', //   7
      '  app:', //                            8
      '    depends_on: [ghost]', //           9
      '    runners:', //                      10
      '      web:', //                        11
      '        cmd: node ${MISSING}', //      12
      '        port: 99999', //               13
      '        sacle: 2', //                  14
      '',
    ].join('\n')
    const issues = await loadErrors(yaml)
    expect(where(issues)).toEqual([
      'invalid-value@3:15',
      'invalid-value@7:24',
      'unknown-reference@9:18',
      'unknown-variable@12:19',
      'invalid-value@13:15',
      'unknown-key@14:9',
    ])
    expect(issues[1].hint).toBe('did you mean "SIGTERM"?')
    expect(issues[5].hint).toBe('did you mean "scale"?')
  })

  it('configError carries exit code 2 and one formatted line per issue', async () => {
    const {result, dir} = await load({'mar.yaml': 'runners:\n  a: {cmd: x, sclae: 2}\n'})
    if (result.ok) throw new Error('expected errors')
    const error = configError(result.errors, dir)
    expect(error.code).toBe('config-invalid')
    expect(error.exitCode).toBe(2)
    expect(error.details?.issues).toEqual(['mar.yaml:2:15: unknown key "sclae" — did you mean "scale"?'])
  })

  it('a missing config is not-found with a hint to run mar init', async () => {
    const {result, dir} = await load({})
    if (result.ok) throw new Error('expected errors')
    expect(result.errors.map((e) => e.code)).toEqual(['not-found'])
    const error = configError(result.errors, dir)
    expect(error.exitCode).toBe(2)
    expect(error.toLine()).toBe(`no mar.yaml, mar.yml or Procfile found in ${dir} or its parents — run \`mar init\` to create one`)
  })
})
