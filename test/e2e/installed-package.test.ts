// mar as a user gets it: `npm pack` of this checkout, `npm install -g` of
// the tarball into a temp prefix, and the installed `mar` run from there —
// where no devDependency (typescript, vitest…) can be found, unlike in the
// checkout, whose tests would not notice one being reached for.
import {execFile, execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {project} from '../helpers/cli.js'

const root = new URL('../..', import.meta.url).pathname

interface Run {
  code: number
  stdout: string
  stderr: string
}

describe('the installed package', () => {
  let dir: string
  let bin: string
  const cleanups: Array<() => void> = []

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mar-pkg-'))
    // dist/ is built before the e2e tests run; --ignore-scripts: prepack would build it again under the other tests' feet.
    // --offline: from npm's cache, which npm ci filled; a test talks to nothing beyond loopback.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {cwd: root, stdio: 'ignore'})
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))!
    execFileSync('npm', ['install', '-g', '--prefix', join(dir, 'prefix'), '--offline', '--no-audit', '--no-fund', join(dir, tarball)], {stdio: 'ignore', timeout: 170_000})
    bin = join(dir, 'prefix', 'bin', 'mar')
  }, 180_000)
  afterAll(() => {
    for (const cleanup of cleanups) cleanup()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  const run = (args: string[], env: Record<string, string>, cwd?: string): Promise<Run> =>
    new Promise((resolve) => {
      const home = join(dir, 'no-home')
      execFile(bin, args, {cwd, env: {...process.env, MAR_HOME: home, NO_COLOR: '1', ...env}, timeout: 20_000}, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({code, stdout, stderr})
      })
    })

  // A developer's shell often has NODE_ENV=development, and test runners set NODE_ENV=test.
  for (const nodeEnv of ['development', 'test']) {
    it(`with NODE_ENV=${nodeEnv} it prints what it should and nothing else (no oclif warning about TypeScript)`, async () => {
      const env = {NODE_ENV: nodeEnv}
      const p = project({'mar.yaml': 'name: pkg\nrunners:\n  web: sleep 300\n'})
      cleanups.push(p.cleanup)

      const version = await run(['version'], env)
      expect(version).toMatchObject({code: 0, stderr: ''})
      expect(version.stdout).toMatch(/^mar\/\d+\.\d+\.\d+ /)

      const help = await run(['logs', '--help'], env)
      expect(help).toMatchObject({code: 0, stderr: ''})
      expect(help.stdout).toContain('--since')

      const logs = await run(['describe', 'web.1', '--json'], env, p.dir)
      expect(logs.stdout).toBe('')
      expect(logs.stderr.trim().split('\n')).toHaveLength(1)

      const validate = await run(['validate', '--json'], env, p.dir)
      expect(validate).toMatchObject({code: 0, stderr: ''})
      expect(JSON.parse(validate.stdout)).toMatchObject({valid: true, name: 'pkg'})

      const unknown = await run(['logs', '--bogus'], env, p.dir)
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toBe('mar: Nonexistent flag: --bogus — see `mar logs --help`\n')
    })
  }

  it('ships the JSON Schema that `mar init` points editors at', async () => {
    const p = project({})
    cleanups.push(p.cleanup)
    expect((await run(['init'], {}, p.dir)).code).toBe(0)
    const modeline = /\$schema=(\S+)/.exec(readFileSync(join(p.dir, 'mar.yaml'), 'utf8'))
    expect(modeline).not.toBeNull()
    expect(existsSync(modeline![1])).toBe(true)
    expect(JSON.parse(readFileSync(modeline![1], 'utf8'))).toHaveProperty('properties.runners')
  })
})
