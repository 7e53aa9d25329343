// The ssh command mar runs and the one line it makes of ssh's failures (the
// stderr texts are OpenSSH 9.2's own). Against real sshd:
// test/integration/remote/ssh-failures.test.ts.
import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {agentLine, installLine, probeLine} from '../../../src/remote/agent-install.js'
import {controlPath, explainSshFailure, MAX_CONTROL_PATH, sshCommand} from '../../../src/remote/ssh.js'
import {MarError} from '../../../src/util/errors.js'

const dirs: string[] = []
const home = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssh-u-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

const h1 = {name: 'h1', ssh: 'deploy@h1.example'}

describe('sshCommand', () => {
  it('multiplexes through MAR_HOME/ssh, in batch mode, with -- before the destination', () => {
    const dir = home()
    const {file, args} = sshCommand(h1, {home: dir, sshConfig: '/etc/mar/ssh_config'}, 'LINE')
    const control = controlPath(h1, {home: dir, sshConfig: '/etc/mar/ssh_config'})
    expect(file).toBe('ssh')
    expect(args).toEqual([
      '-F', '/etc/mar/ssh_config',
      '-o', 'ControlMaster=auto',
      '-o', `ControlPath=${control}`,
      '-o', 'ControlPersist=60',
      '-o', 'BatchMode=yes',
      '-o', 'ServerAliveInterval=5',
      '-o', 'ServerAliveCountMax=3',
      '-T', '--', 'deploy@h1.example', 'LINE',
    ])
    expect(control).toMatch(new RegExp(`^${dir}/ssh/[0-9a-f]{16}$`))
    expect(statSync(join(dir, 'ssh')).mode & 0o777).toBe(0o700)
    expect(args.join(' ')).not.toMatch(/StrictHostKeyChecking|UserKnownHostsFile/)
    expect(sshCommand(h1, {home: dir}, 'LINE').args.slice(0, 2)).toEqual(['-o', 'ControlMaster=auto'])
  })

  it('gives another destination, or the same under another config, its own master', () => {
    const dir = home()
    const a = controlPath(h1, {home: dir})
    expect(controlPath({name: 'h2', ssh: 'deploy@h2.example'}, {home: dir})).not.toBe(a)
    expect(controlPath(h1, {home: dir, sshConfig: '/x'})).not.toBe(a)
    expect(controlPath({name: 'other-name', ssh: h1.ssh}, {home: dir})).toBe(a)
  })

  it('refuses a MAR_HOME too long for the socket, saying how long it may be', () => {
    const long = `/tmp/${'x'.repeat(80)}`
    let error: unknown
    try {
      sshCommand(h1, {home: long}, 'LINE')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MarError)
    expect((error as MarError).code).toBe('mar-home')
    expect((error as MarError).toLine()).toContain(`use a MAR_HOME of at most ${MAX_CONTROL_PATH - 21} bytes`)
  })

  it('refuses destinations ssh would misread', () => {
    for (const [ssh, why] of [
      ['-oProxyCommand=touch /tmp/x', 'starts with "-"'],
      ['', 'empty'],
      ['a b', 'whitespace'],
      ['a\tb', 'whitespace'],
      ['a\u001b[2J', 'control character'],
      ['a\u007f', 'control character'],
    ]) {
      expect(() => sshCommand({name: 'x', ssh: ssh!}, {home: home()}, 'LINE'), ssh).toThrow(why)
    }
    expect(() => sshCommand({name: 'x', ssh: 'ssh://me@[::1]:2222'}, {home: home()}, 'LINE')).not.toThrow()
  })
})

describe('explainSshFailure', () => {
  const at = {hostname: '127.0.0.2', port: 2222, user: 'root', knownHostsFiles: ['/home/me/.ssh/known_hosts']}

  it('an unknown host key: how to trust it', () => {
    const stderr = 'No ED25519 host key is known for [127.0.0.2]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n'
    expect(explainSshFailure({name: 'h1', ssh: 'h1'}, stderr, 255).toLine()).toBe(
      'host h1 (127.0.0.2 port 2222): its host key is not in known_hosts — check it and trust it with: ssh-keyscan -p 2222 127.0.0.2 >> ~/.ssh/known_hosts',
    )
    expect(explainSshFailure({name: 'h1', ssh: 'h1'}, stderr, 255, at).hint).toBe('check it and trust it with: ssh-keyscan -p 2222 127.0.0.2 >> /home/me/.ssh/known_hosts')
    const port22 = 'No ED25519 host key is known for db.example and you have requested strict checking.\nHost key verification failed.\n'
    expect(explainSshFailure({name: 'db', ssh: 'db'}, port22, 255).toLine()).toBe(
      'host db (db.example): its host key is not in known_hosts — check it and trust it with: ssh-keyscan db.example >> ~/.ssh/known_hosts',
    )
  })

  it('a changed host key: maybe an attack, and how to remove the old one', () => {
    const stderr = [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
      'Offending ED25519 key in /home/me/.ssh/known_hosts:3',
      'Host key for [127.0.0.2]:2222 has changed and you have requested strict checking.',
      'Host key verification failed.',
    ].join('\n')
    const error = explainSshFailure({name: 'h1', ssh: 'h1'}, stderr, 255)
    expect(error.code).toBe('host-key-changed')
    expect(error.message).toContain('host h1 (127.0.0.2 port 2222): its host key has CHANGED')
    expect(error.message).toContain('this may be an attack')
    expect(error.hint).toContain("ssh-keygen -f /home/me/.ssh/known_hosts -R '[127.0.0.2]:2222'")
  })

  it('failed authentication, refused, unresolvable, timed out, anything else', () => {
    expect(explainSshFailure(h1, 'deploy@h1.example: Permission denied (publickey,password).\n', 255, {...at, user: 'deploy'}).message).toBe(
      'host h1 (127.0.0.2 port 2222): authentication failed for deploy (publickey,password)',
    )
    expect(explainSshFailure(h1, 'ssh: connect to host h1.example port 22: Connection refused\n', 255).code).toBe('host-unreachable')
    expect(explainSshFailure(h1, 'ssh: Could not resolve hostname h1.example: Name or service not known\n', 255).message).toBe('host h1 (deploy@h1.example): its name does not resolve')
    expect(explainSshFailure(h1, 'ssh: connect to host 10.9.9.9 port 22: Connection timed out\n', 255).message).toContain('timed out')
    const other = explainSshFailure(h1, 'kex_exchange_identification: something odd\n', 255)
    expect([other.code, other.message, other.exitCode]).toEqual(['ssh-failed', 'host h1 (deploy@h1.example): ssh failed (exit 255): kex_exchange_identification: something odd', 3])
  })
})

describe('the fixed remote lines', () => {
  it('carry only the version and the hash, checked first', () => {
    expect(agentLine('0.1.0')).toBe('exec node "${MAR_HOME:-$HOME/.mar}/agent/0.1.0/mar.cjs" daemon dial-stdio')
    expect(() => agentLine('0.1.0; rm -rf ~')).toThrow()
    expect(() => probeLine('$(id)')).toThrow()
    expect(() => installLine('0.1.0', 'abc')).toThrow()
    expect(() => installLine('0.1.0', `${'a'.repeat(64)} ; id`)).toThrow()
    // The node scripts sit inside single quotes.
    const hash = 'a'.repeat(64)
    for (const line of [probeLine('0.1.0'), installLine('0.1.0', hash)]) {
      const script = line.slice(line.indexOf("node -e '") + 9)
      expect(script.slice(0, script.indexOf("'")).length).toBeGreaterThan(100)
    }
  })
})
