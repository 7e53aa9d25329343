// The plan cache through the built binary: `mar validate` primes it, and
// `mar up -f` / `mar up` use a cached plan only while the config is unchanged.
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
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
  const env = {MAR_HOME: join(home.dir, 'h')}
  const entries = () => {
    try {
      return readdirSync(join(env.MAR_HOME, 'cache'))
    } catch {
      return []
    }
  }
  return {app, env, entries}
}

describe('plan cache', () => {
  it('mar validate primes it; a changed config is planned afresh', async () => {
    const {app, env, entries} = setup('name: cached\nrunners:\n  hello: { cmd: "echo first", oneshot: true }\n')
    expect((await mar(['validate', '-q'], {cwd: app.dir, env})).code).toBe(0)
    expect(entries()).toHaveLength(1)
    const cached = JSON.parse(readFileSync(join(env.MAR_HOME, 'cache', entries()[0]!), 'utf8'))
    expect(cached.plan.name).toBe('cached')

    writeFileSync(join(app.dir, 'mar.yaml'), 'name: cached\nrunners:\n  hello: { cmd: "echo second", oneshot: true }\n')
    const run = await mar(['up', '-f', '--no-color'], {cwd: app.dir, env})
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('hello.1 | second')
    expect(run.stdout).not.toContain('first')
  })

  it('prints config warnings on every up, also from the cache', async () => {
    const {app, env} = setup('name: warned\nenv_file: missing.env\nrunners:\n  hello: { cmd: "echo hi", oneshot: true }\n')
    for (let i = 0; i < 2; i++) {
      const run = await mar(['up', '-f', '--no-color'], {cwd: app.dir, env})
      expect(run.code).toBe(0)
      expect(run.stderr).toContain('env_file "missing.env" not found')
    }
  })
})
