// The plan cache through the built binary: `mar validate` primes it, `mar
// up` uses it while the config is unchanged, and plans afresh once it
// changes. A cache hit shows as a doctored entry taking effect.
import {chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {mar, project} from '../helpers/cli.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

function setup(yaml: string) {
  const app = project({'mar.yaml': yaml})
  const home = project({})
  cleanups.push(app.cleanup, home.cleanup)
  // As the daemon makes it: mar caches plans only in a MAR_HOME that exists.
  const env = {MAR_HOME: join(home.dir, 'h')}
  mkdirSync(env.MAR_HOME, {mode: 0o700})
  const entryFile = () => {
    const names = readdirSync(join(env.MAR_HOME, 'cache')).filter((name) => name.startsWith('plan-'))
    expect(names).toHaveLength(1)
    return join(env.MAR_HOME, 'cache', names[0]!)
  }
  const doctor = (change: (entry: {plan: {groups: Array<{runners: Array<{instances: Array<{command: unknown}>}>}>}; warnings: string[]}) => void) => {
    const entry = JSON.parse(readFileSync(entryFile(), 'utf8'))
    change(entry)
    writeFileSync(entryFile(), JSON.stringify(entry))
  }
  return {app, env, doctor}
}

describe('plan cache', () => {
  it('mar validate primes it, up uses it, and a changed config is planned afresh', async () => {
    const {app, env, doctor} = setup('name: cached\nrunners:\n  hello: { cmd: "echo first", oneshot: true }\n')
    expect((await mar(['validate', '-q'], {cwd: app.dir, env})).code).toBe(0)
    doctor((entry) => (entry.plan.groups[0]!.runners[0]!.instances[0]!.command = {shell: 'echo from-the-cache'}))
    const hit = await mar(['up', '-f', '--no-color'], {cwd: app.dir, env})
    expect(hit.code).toBe(0)
    expect(hit.stdout).toContain('hello.1 | from-the-cache')

    writeFileSync(join(app.dir, 'mar.yaml'), 'name: cached\nrunners:\n  hello: { cmd: "echo second", oneshot: true }\n')
    const miss = await mar(['up', '-f', '--no-color'], {cwd: app.dir, env})
    expect(miss.code).toBe(0)
    expect(miss.stdout).toContain('hello.1 | second')
  })

  it('prints the config warnings on every up, also from the cache, and not with -q', async () => {
    const {app, env, doctor} = setup('name: warned\nenv_file: missing.env\nrunners:\n  hello: { cmd: "echo hi", oneshot: true }\n')
    const first = await mar(['up', '-f', '--no-color'], {cwd: app.dir, env})
    expect(first.code).toBe(0)
    expect(first.stderr).toContain('env_file "missing.env" not found')
    doctor((entry) => (entry.warnings = ['a warning kept in the cache']))
    const again = await mar(['up', '-f', '--no-color'], {cwd: app.dir, env})
    expect(again.stderr).toContain('mar: warning: a warning kept in the cache')
    const quiet = await mar(['up', '-f', '-q', '--no-color'], {cwd: app.dir, env})
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).not.toContain('warning')
  })
})

describe('code cache of the config loader', () => {
  it('is written once per build, and a damaged one is rejected and rewritten, not trusted', async () => {
    const {app, env: homeEnv} = setup('name: coded\nrunners:\n  hello: { cmd: "echo hi", oneshot: true }\n')
    const caches = project({})
    cleanups.push(caches.cleanup)
    const env = {...homeEnv, XDG_CACHE_HOME: caches.dir}
    expect((await mar(['validate', '-q'], {cwd: app.dir, env})).code).toBe(0)
    const cacheDir = join(caches.dir, 'mar')
    const codeFiles = () => readdirSync(cacheDir).filter((name) => name.startsWith('config-code-'))
    expect(codeFiles()).toHaveLength(1)
    const file = join(cacheDir, codeFiles()[0]!)
    writeFileSync(file, 'not a code cache')
    writeFileSync(join(app.dir, 'mar.yaml'), 'name: coded\nrunners:\n  hello: { cmd: "echo again", oneshot: true }\n')
    const run = await mar(['validate'], {cwd: app.dir, env})
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('echo again')
    expect(readFileSync(file, 'utf8')).not.toBe('not a code cache')
  })

  it('is neither read nor written in a directory others can write to', async () => {
    const {app, env: homeEnv} = setup('name: coded\nrunners:\n  hello: { cmd: "echo hi", oneshot: true }\n')
    const caches = project({})
    cleanups.push(caches.cleanup)
    mkdirSync(join(caches.dir, 'mar'))
    chmodSync(join(caches.dir, 'mar'), 0o777)
    const env = {...homeEnv, XDG_CACHE_HOME: caches.dir}
    expect((await mar(['validate', '-q'], {cwd: app.dir, env})).code).toBe(0)
    expect(readdirSync(join(caches.dir, 'mar'))).toEqual([])
  })
})
