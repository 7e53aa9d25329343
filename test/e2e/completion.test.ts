// `mar completion` through the built binary: each script is valid for its
// shell, and really completes — bash driven through COMP_WORDS/COMP_CWORD
// and its completion function, fish through `complete -C`, zsh through its
// function with the completion builtins stubbed — commands, flags and the
// names of a real running daemon's stack.
import {execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {mar, marBin} from '../helpers/cli.js'
import {project, withHome, type Home} from '../helpers/daemon.js'

const has = (shell: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

const scripts = mkdtempSync(join(tmpdir(), 'mar-completion-'))
const scriptFile: Record<string, string> = {}
beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const result = await mar(['completion', shell])
    expect(result.code).toBe(0)
    scriptFile[shell] = join(scripts, `mar.${shell}`)
    writeFileSync(scriptFile[shell], result.stdout)
  }
})
afterAll(() => rmSync(scripts, {recursive: true, force: true}))

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Run a shell to completion; what it printed, one entry a line. */
function runShell(file: string, args: string[], cwd: string, env: Record<string, string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {cwd, env: {...process.env, NODE_EXTRA_CA_CERTS: '', NO_COLOR: '1', MAR_NODE: process.execPath, MAR_BIN: marBin, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(stdout.split('\n').filter(Boolean)) : reject(new Error(`${file} exited ${code}: ${stderr}`))))
  })
}

// `mar` is the built binary, by a function, as an installed one would be by PATH.
const MAR_FN = {bash: 'mar() { "$MAR_NODE" "$MAR_BIN" "$@"; }', zsh: 'mar() { "$MAR_NODE" "$MAR_BIN" "$@" }', fish: 'function mar; $MAR_NODE $MAR_BIN $argv; end'}

/** COMPREPLY of the bash function for `words` (the last is the word at the cursor). */
function bashComplete(words: string[], cwd: string, env: Record<string, string> = {}): Promise<string[]> {
  const program = `source "$0"; ${MAR_FN.bash}; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _mar_complete; printf '%s\\n' "\${COMPREPLY[@]}"`
  return runShell('bash', ['--norc', '--noprofile', '-c', program, scriptFile.bash, 'mar', ...words], cwd, env)
}

/** The words fish completes `line` with (descriptions dropped). */
async function fishComplete(line: string, cwd: string, env: Record<string, string> = {}): Promise<string[]> {
  const out = await runShell('fish', ['--no-config', '-c', `source $argv[1]; ${MAR_FN.fish}; complete -C $argv[2]`, scriptFile.fish, line], cwd, env)
  return out.map((entry) => entry.split('\t')[0])
}

/** What the zsh function hands to _describe and compadd (stubbed: they need a live line editor). */
function zshComplete(words: string[], cwd: string, env: Record<string, string> = {}): Promise<string[]> {
  const stubs = `compdef() { : }; _describe() { print -rl -- "\${(@)\${(@P)4}%%:*}" }; compadd() { while [[ $1 != -- ]]; do shift; done; shift; print -rl -- "$@" }; _files() { print -- FILES }`
  const program = `${stubs}; source "$0"; ${MAR_FN.zsh}; words=(mar "$@"); CURRENT=$#words; _mar`
  return runShell('zsh', ['-f', '-c', program, scriptFile.zsh, ...words], cwd, env)
}

describe('mar completion', () => {
  it('prints a script each shell accepts', async () => {
    execFileSync('bash', ['-n', scriptFile.bash])
    if (has('zsh')) execFileSync('zsh', ['-n', scriptFile.zsh])
    if (has('fish')) execFileSync('fish', ['--no-execute', scriptFile.fish])
    // What a TAB runs loads no oclif and no package at all: only Node's own modules.
    const bundle = readFileSync(new URL('../../dist/complete.cjs', import.meta.url), 'utf8')
    expect([...bundle.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]).filter((name) => !name.startsWith('node:'))).toEqual([])
    const bad = await mar(['completion', 'tcsh'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).not.toContain('    at ')
  })

  it('completes commands, topics, flags, signals and paths without a daemon', async () => {
    const p = project({'mar.yaml': 'runners: {web: x}\n'})
    cleanups.push(p.cleanup)
    const home = withHome()
    cleanups.push(() => home.cleanup())
    expect(await bashComplete(['d'], p.dir, home.env)).toEqual(['daemon', 'describe', 'down'])
    expect(await bashComplete(['daemon', 'st'], p.dir, home.env)).toEqual(['start', 'status', 'stop'])
    expect(await bashComplete(['logs', '--f'], p.dir, home.env)).toEqual(['--follow'])
    expect(await bashComplete(['-c', 'mar.yaml', 'up', '--no-'], p.dir, home.env)).toEqual(['--no-color', '--no-wait', '--no-mouse'])
    expect(await bashComplete(['signal', 'HU'], p.dir, home.env)).toEqual(['HUP'])
    expect(await bashComplete(['up', '-c', 'ma'], p.dir, home.env)).toEqual(['mar.yaml'])
    // No daemon: no names, and no error on the terminal.
    expect(await bashComplete(['logs', ''], p.dir, home.env)).toEqual([])
  })

  describe('with a running daemon', () => {
    let home: Home
    let app: {dir: string; cleanup(): void}
    let elsewhere: {dir: string; cleanup(): void}
    beforeAll(async () => {
      home = withHome()
      app = project({'mar.yaml': 'name: shop\ngroups:\n  app:\n    runners:\n      web: {cmd: "sleep 300", scale: 2}\n      worker: {cmd: "sleep 300"}\n'})
      elsewhere = project({})
      const up = await home.mar(['up'], {cwd: app.dir})
      expect(up.code, up.stderr).toBe(0)
    })
    afterAll(async () => {
      await home.cleanup()
      app.cleanup()
      elsewhere.cleanup()
    })

    it('bash: the stack of this directory, then STACK/ and its qualified names', async () => {
      expect(await bashComplete(['logs', ''], app.dir, home.env)).toEqual(['app', 'web', 'worker', 'web.1', 'web.2', 'worker.1', 'shop/'])
      expect(await bashComplete(['restart', 'web.1', 'w'], app.dir, home.env)).toEqual(['web', 'worker', 'web.1', 'web.2', 'worker.1'])
      expect(await bashComplete(['stop', 'shop/web.'], elsewhere.dir, home.env)).toEqual(['shop/web.1', 'shop/web.2'])
      // Where no config is found a bare word names a stack.
      expect(await bashComplete(['down', 's'], elsewhere.dir, home.env)).toEqual(['shop', 'shop/'])
    })

    it.skipIf(!has('fish'))('fish', async () => {
      expect(await fishComplete('mar daemon st', app.dir, home.env)).toEqual(['start', 'status', 'stop'])
      expect(await fishComplete('mar logs web.', app.dir, home.env)).toEqual(['web.1', 'web.2'])
      expect(await fishComplete('mar up --ti', app.dir, home.env)).toEqual(['--timeout'])
    })

    it.skipIf(!has('zsh'))('zsh', async () => {
      expect(await zshComplete(['daemon', 'st'], app.dir, home.env)).toEqual(['start', 'status', 'stop'])
      expect(await zshComplete(['stop', 'shop/wo'], elsewhere.dir, home.env)).toEqual(['shop/worker', 'shop/worker.1'])
      expect(await zshComplete(['logs', ''], app.dir, home.env)).toEqual(['app', 'web', 'worker', 'web.1', 'web.2', 'worker.1', 'shop/'])
      expect(await zshComplete(['export', 'systemd', ''], app.dir, home.env)).toEqual(['FILES'])
    })
  })
})
