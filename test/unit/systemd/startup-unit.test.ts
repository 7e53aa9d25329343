// The daemon's unit from templates/mar.service: systemd-analyze accepts it,
// and systemd reads back the command, environment and settings we meant.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {defaultScope, invokingAccount, manualEnable, renderStartupUnit, unitDir, type StartupUnitOptions} from '../../../src/systemd/startup-unit.js'
import {canDump, dumpUnit, execTimeArgv, hasAnalyze, problemsAbout, verify} from './systemd-tools.js'
import {DAEMON_ENV, DAEMON_NODE_FLAGS} from '../../../src/api/daemon-process.js'

const root = new URL('../../../', import.meta.url).pathname
const template = readFileSync(join(root, 'templates/mar.service'), 'utf8')
const runJs = join(root, 'bin/run.js')

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

function written(text: string): {dir: string; file: string} {
  const dir = mkdtempSync(join(tmpdir(), 'mar-startup-unit-'))
  dirs.push(dir)
  const file = join(dir, 'mar.service')
  writeFileSync(file, text)
  return {dir, file}
}

const tricky: Omit<StartupUnitOptions, 'scope'> = {
  node: process.execPath,
  runJs,
  marHome: '/home/a user/100% "mar" $HOME',
  path: '/opt/my bin:/usr/bin:/bin:$weird',
}

describe('renderStartupUnit', () => {
  for (const scope of ['user', 'system'] as const) {
    const options: StartupUnitOptions = {...tricky, scope, account: scope === 'system' ? {user: 'root', group: 'root', home: '/root'} : undefined}

    it(`${scope} unit: every placeholder filled, the settings the daemon relies on`, () => {
      const unit = renderStartupUnit(template, options)
      expect(unit).not.toMatch(/\{\{/)
      for (const line of ['Type=notify', 'NotifyAccess=main', 'KillMode=process', 'Delegate=yes', 'Restart=on-failure', 'TimeoutStopSec=90s']) {
        expect(unit.split('\n')).toContain(line)
      }
      if (scope === 'user') {
        expect(unit).toContain('WantedBy=default.target')
        expect(unit).not.toMatch(/^User=/m)
        expect(unit).not.toContain('network-online')
      } else {
        expect(unit).toContain('WantedBy=multi-user.target')
        expect(unit).toMatch(/^User=root$/m)
        expect(unit).toMatch(/^Group=root$/m)
        expect(unit).toMatch(/^After=network-online.target$/m)
      }
    })

    it.skipIf(!hasAnalyze)(`${scope} unit passes systemd-analyze verify${scope === 'user' ? ' --user' : ''}`, () => {
      const {file} = written(renderStartupUnit(template, options))
      const result = verify([file], {user: scope === 'user'})
      expect(problemsAbout(result, [file])).toEqual([])
      expect(result.code).toBe(0)
    })

    it.skipIf(!canDump)(`${scope} unit: systemd reads back the command line and environment`, () => {
      const {dir} = written(renderStartupUnit(template, options))
      const dumped = dumpUnit(dir, 'mar.service')
      const [start] = dumped.commands.get('ExecStart') ?? []
      expect(execTimeArgv(start!.argv)).toEqual([process.execPath, ...DAEMON_NODE_FLAGS, runJs, 'daemon', 'run'])
      expect(dumped.props.get('Environment')).toEqual([`MAR_HOME=${tricky.marHome}`, `PATH=${tricky.path}`, ...Object.entries(DAEMON_ENV).map(([k, v]) => `${k}=${v}`)])
      expect(dumped.props.get('Type')).toEqual(['notify'])
      expect(dumped.props.get('NotifyAccess')).toEqual(['main'])
      expect(dumped.props.get('KillMode')).toEqual(['process'])
      expect(dumped.props.get('Delegate')).toEqual(['yes'])
      expect(dumped.props.get('TimeoutStopSec')).toEqual(['1min 30s'])
      expect(dumped.props.get('Description')).toEqual([`mar process manager daemon (MAR_HOME=${tricky.marHome})`])
    })
  }

  it('refuses a template with an unknown placeholder', () => {
    expect(() => renderStartupUnit('ExecStart={{NOPE}}\n', {...tricky, scope: 'user'})).toThrow(/NOPE/)
  })
})

describe('invokingAccount', () => {
  it.skipIf(process.getuid?.() !== 0)('under sudo the system unit runs as SUDO_USER, with that user\'s group and home', async () => {
    expect(await invokingAccount({SUDO_USER: 'nobody'})).toEqual({user: 'nobody', group: 'nogroup', home: '/nonexistent'})
    expect(await invokingAccount({})).toMatchObject({user: 'root', group: 'root'})
    await expect(invokingAccount({SUDO_USER: 'no-such-user-here'})).rejects.toMatchObject({code: 'unknown-user'})
  })
})

describe('where the unit goes', () => {
  it('user: XDG_CONFIG_HOME, else ~/.config; system: /etc/systemd/system; MAR_SYSTEMD_DIR overrides both', () => {
    expect(unitDir('user', {XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/u'})).toBe('/x/cfg/systemd/user')
    expect(unitDir('user', {HOME: '/home/u'})).toBe('/home/u/.config/systemd/user')
    expect(unitDir('user', {XDG_CONFIG_HOME: 'relative', HOME: '/home/u'})).toBe('/home/u/.config/systemd/user')
    expect(unitDir('system', {})).toBe('/etc/systemd/system')
    expect(unitDir('system', {MAR_SYSTEMD_DIR: '/tmp/units'})).toBe('/tmp/units')
    expect(unitDir('user', {MAR_SYSTEMD_DIR: '/tmp/units'})).toBe('/tmp/units')
  })

  it('default scope: system for root, user for everyone else', () => {
    expect(defaultScope(0)).toBe('system')
    expect(defaultScope(1000)).toBe('user')
  })

  it('the by-hand commands name the scope', () => {
    expect(manualEnable('user')).toBe('systemctl --user daemon-reload && systemctl --user enable --now mar.service')
    expect(manualEnable('system')).toBe('systemctl daemon-reload && systemctl enable --now mar.service')
  })
})
