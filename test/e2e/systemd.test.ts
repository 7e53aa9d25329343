// `mar startup`, `mar unstartup` and `mar export systemd` through the built
// binary. systemctl is the fake in test/fixtures/systemd (MAR_SYSTEMCTL) and
// units go to a temp dir (MAR_SYSTEMD_DIR), so nothing touches /etc; one
// test runs the real systemctl, which fails here (systemd is not PID 1).
import {existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {mar, project} from '../helpers/cli.js'
import {hasAnalyze, problemsAbout, verify} from '../unit/systemd/systemd-tools.js'
import {DAEMON_NODE_FLAGS} from '../../src/api/daemon-process.js'

const root = new URL('../../', import.meta.url).pathname
const fakeSystemctl = new URL('../fixtures/systemd/fake-systemctl', import.meta.url).pathname

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function sandbox(): {dir: string; units: string; log: string; env: Record<string, string>; calls(): string[]} {
  const dir = mkdtempSync(join(tmpdir(), 'mar-startup-'))
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}))
  const units = join(dir, 'units')
  const log = join(dir, 'systemctl.log')
  return {
    dir,
    units,
    log,
    env: {MAR_SYSTEMD_DIR: units, MAR_SYSTEMCTL: fakeSystemctl, FAKE_SYSTEMCTL_LOG: log, MAR_HOME: join(dir, 'home')},
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
  }
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(stderr).not.toMatch(/\n\s+at /)
  return lines[0]!
}

describe('mar startup', () => {
  it('--print prints the unit and changes nothing', async () => {
    const s = sandbox()
    const system = await mar(['startup', '--print', '--system'], {env: s.env})
    expect(system.code).toBe(0)
    expect(system.stdout).toContain(`ExecStart=${process.execPath} ${DAEMON_NODE_FLAGS.join(' ')} ${root}bin/run.js daemon run\n`)
    expect(system.stdout).toContain('Type=notify\n')
    expect(system.stdout).toContain('KillMode=process\n')
    expect(system.stdout).toContain(`Environment=MAR_HOME=${s.env.MAR_HOME}\n`)
    expect(system.stdout).toMatch(/^User=\S+\nGroup=\S+$/m)
    expect(system.stdout).toContain('WantedBy=multi-user.target\n')
    const user = await mar(['startup', '--print', '--user'], {env: s.env})
    expect(user.code).toBe(0)
    expect(user.stdout).toContain('WantedBy=default.target\n')
    expect(user.stdout).not.toMatch(/^User=/m)
    expect(existsSync(s.units)).toBe(false)
    expect(s.calls()).toEqual([])
  })

  it.skipIf(!hasAnalyze)('the printed units pass systemd-analyze verify', async () => {
    const s = sandbox()
    for (const scope of ['user', 'system']) {
      const printed = await mar(['startup', '--print', `--${scope}`], {env: s.env})
      const file = join(s.dir, scope, 'mar.service')
      mkdirSync(join(s.dir, scope))
      writeFileSync(file, printed.stdout)
      const result = verify([file], {user: scope === 'user'})
      expect(problemsAbout(result, [file])).toEqual([])
      expect(result.code).toBe(0)
    }
  })

  it('--user writes the unit, then daemon-reload and enable --now; running it again updates it', async () => {
    const s = sandbox()
    const first = await mar(['startup', '--user'], {env: s.env})
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const file = join(s.units, 'mar.service')
    expect(first.stdout).toContain(`wrote ${file}\n`)
    expect(first.stdout).toContain('enabled and started mar.service')
    expect(readFileSync(file, 'utf8')).toBe((await mar(['startup', '--print', '--user'], {env: s.env})).stdout)
    expect(s.calls()).toEqual(['--user daemon-reload', '--user enable --now mar.service'])
    const again = await mar(['startup', '--user', '--json'], {env: s.env})
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({scope: 'user', path: file, updated: true, enabled: true})
  })

  it('--system calls systemctl without --user', async () => {
    const s = sandbox()
    const result = await mar(['startup', '--system'], {env: s.env})
    expect(result.code).toBe(0)
    expect(s.calls()).toEqual(['daemon-reload', 'enable --now mar.service'])
  })

  it('without MAR_SYSTEMD_DIR a user unit goes to $XDG_CONFIG_HOME/systemd/user', async () => {
    const s = sandbox()
    const {MAR_SYSTEMD_DIR: _, ...env} = s.env
    const result = await mar(['startup', '--user'], {env: {...env, XDG_CONFIG_HOME: join(s.dir, 'cfg')}})
    expect(result.code).toBe(0)
    expect(existsSync(join(s.dir, 'cfg/systemd/user/mar.service'))).toBe(true)
  })

  it('a failing systemctl: the unit stays written, one line says what failed and how to finish, exit 1', async () => {
    const s = sandbox()
    const result = await mar(['startup', '--user'], {env: {...s.env, FAKE_SYSTEMCTL_FAIL: 'daemon-reload'}})
    expect(result.code).toBe(1)
    const line = oneLine(result.stderr)
    const file = join(s.units, 'mar.service')
    expect(line).toBe(
      `mar: wrote ${file}, but \`systemctl --user daemon-reload\` failed: System has not been booted with systemd as init system (PID 1). Can't operate.; Failed to connect to bus: Host is down — enable it by hand once systemd runs: systemctl --user daemon-reload && systemctl --user enable --now mar.service`,
    )
    expect(existsSync(file)).toBe(true)
    expect(s.calls()).toEqual(['--user daemon-reload'])
  })

  it.skipIf(readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' || !existsSync('/usr/bin/systemctl'))(
    'with the real systemctl and no systemd running: exit 1 and one line',
    async () => {
      const s = sandbox()
      const {MAR_SYSTEMCTL: _, ...env} = s.env
      const result = await mar(['startup', '--system'], {env})
      expect(result.code).toBe(1)
      expect(oneLine(result.stderr)).toMatch(/^mar: wrote .*mar\.service, but `systemctl daemon-reload` failed: .+ — enable it by hand once systemd runs: systemctl daemon-reload && systemctl enable --now mar\.service$/)
    },
  )

  it('--user and --system together are a usage error', async () => {
    const result = await mar(['startup', '--user', '--system', '--print'])
    expect(result.code).toBe(2)
    oneLine(result.stderr)
  })
})

describe('mar unstartup', () => {
  it('disables, removes the file and reloads; a second run has nothing to remove (exit 0)', async () => {
    const s = sandbox()
    expect((await mar(['startup', '--user'], {env: s.env})).code).toBe(0)
    const first = await mar(['unstartup', '--user'], {env: s.env})
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`removed ${join(s.units, 'mar.service')}`)
    expect(existsSync(join(s.units, 'mar.service'))).toBe(false)
    expect(s.calls().slice(2)).toEqual(['--user disable mar.service', '--user daemon-reload'])
    const second = await mar(['unstartup', '--user'], {env: s.env})
    expect(second.code).toBe(0)
    expect(second.stdout).toBe(`no mar.service in ${s.units}: nothing to remove\n`)
    expect(s.calls()).toHaveLength(4)
  })

  it('--stop disables with --now', async () => {
    const s = sandbox()
    await mar(['startup', '--system'], {env: s.env})
    const result = await mar(['unstartup', '--system', '--stop'], {env: s.env})
    expect(result.code).toBe(0)
    expect(s.calls().slice(2)).toEqual(['disable --now mar.service', 'daemon-reload'])
  })

  it('a failing systemctl: the file and its wants link are removed anyway, one note, exit 0', async () => {
    const s = sandbox()
    await mar(['startup', '--user'], {env: s.env})
    const link = join(s.units, 'default.target.wants', 'mar.service')
    mkdirSync(join(s.units, 'default.target.wants'))
    symlinkSync(join(s.units, 'mar.service'), link)
    const result = await mar(['unstartup', '--user'], {env: {...s.env, FAKE_SYSTEMCTL_FAIL: 'disable'}})
    expect(result.code).toBe(0)
    expect(oneLine(result.stderr)).toMatch(/^mar: note: `systemctl --user disable mar.service` failed \(System has not been booted .*\); removed the unit file and its link anyway$/)
    expect(existsSync(join(s.units, 'mar.service'))).toBe(false)
    expect(() => lstatSync(link)).toThrow()
  })
})

describe('mar export systemd', () => {
  it('writes the units, refuses to overwrite them, and overwrites with --force', async () => {
    const p = project({
      'mar.yaml': `name: tiny
groups:
  app:
    runners:
      web: { cmd: [node, "-e", "setInterval(() => {}, 1000)"], port: 4000, env: { MOTTO: "100% $$real" } }
`,
    })
    cleanups.push(p.cleanup)
    const first = await mar(['export', 'systemd', 'out'], {cwd: p.dir})
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('wrote out/tiny-web.1.service\nwrote out/tiny.target\n')
    expect(first.stdout).toMatch(/^install: cp .*\/out\/\* \/etc\/systemd\/system\/ && systemctl daemon-reload && systemctl enable --now tiny\.target$/m)
    const unit = readFileSync(join(p.dir, 'out/tiny-web.1.service'), 'utf8')
    expect(unit).toContain('Environment="MOTTO=100%% $real"\n')
    expect(unit).toContain('Environment=PORT=4000\n')

    const again = await mar(['export', 'systemd', 'out'], {cwd: p.dir})
    expect(again.code).toBe(1)
    expect(oneLine(again.stderr)).toMatch(/already exist .*— use --force to overwrite/)

    const forced = await mar(['export', 'systemd', 'out', '--force', '--json'], {cwd: p.dir})
    expect(forced.code).toBe(0)
    expect(JSON.parse(forced.stdout)).toMatchObject({stack: 'tiny', target: 'tiny.target', files: [join(p.dir, 'out/tiny-web.1.service'), join(p.dir, 'out/tiny.target')], warnings: []})

    // --env takes one value each time, so DIR may follow it.
    const withPath = await mar(['export', 'systemd', '--env', 'PATH', 'out2', '-q'], {cwd: p.dir, env: {PATH: `/opt/x:${process.env.PATH}`}})
    expect(withPath.code).toBe(0)
    expect(readFileSync(join(p.dir, 'out2/tiny-web.1.service'), 'utf8')).toContain(`Environment=PATH=/opt/x:${process.env.PATH}\n`)
  })

  it('a config error is exit 2; no DIR is a usage error', async () => {
    const p = project({'mar.yaml': 'runners:\n  web: { comand: x }\n'})
    cleanups.push(p.cleanup)
    const bad = await mar(['export', 'systemd', 'out'], {cwd: p.dir})
    expect(bad.code).toBe(2)
    expect(existsSync(join(p.dir, 'out'))).toBe(false)
    const missing = await mar(['export', 'systemd'], {cwd: p.dir})
    expect(missing.code).toBe(2)
  })
})
