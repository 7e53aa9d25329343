// reload keeps depends_on: the README's migrate-then-serve stack through
// reloads that change the migration. The migration waits for a file the
// test creates, so "web restarted before the migration ended" is a state
// the test can look at, not a race it hopes to lose.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {instance, waitForState} from '../helpers/daemon.js'
import {stackTests} from '../helpers/stack-tests.js'
import {waitFor} from '../helpers/wait.js'

const t = stackTests()

// The migration of version N waits for go-N, fails for version 3, and records what it migrated to.
const migrate = `while [ ! -e go-$VERSION ]; do sleep 0.02; done
[ "$VERSION" = 3 ] && { echo "migration $VERSION failed" >&2; exit 1; }
echo "$VERSION" > migrated
echo "migrated to $VERSION"
`
// The server says which migration it found when it started.
const web = `echo "web $VERSION sees $(cat migrated)" >> web.out
exec sleep 300
`
const config = (version: number) => `name: shop
env: { VERSION: "${version}" }
groups:
  setup:
    runners:
      migrate: { cmd: sh migrate.sh, oneshot: true }
  app:
    depends_on: { setup: completed }
    runners:
      web: sh web.sh
`

const setup = () => t.setup(config(1), {'migrate.sh': migrate, 'web.sh': web, 'go-1': ''})

const webLines = (dir: string) => (existsSync(join(dir, 'web.out')) ? readFileSync(join(dir, 'web.out'), 'utf8').trim().split('\n') : [])

describe('reload in dependency order', () => {
  it('a changed migration runs to completion before the changed web restarts; --dry-run shows that order', async () => {
    const {home, dir} = setup()
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    expect(webLines(dir)).toEqual(['web 1 sees 1'])
    const webPid = instance(await home.status(), 'shop', 'web.1').pid

    writeFileSync(join(dir, 'mar.yaml'), config(2))
    const dry = await home.mar(['reload', '--dry-run'], {cwd: dir})
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('1. setup: migrate.1')
    expect(dry.stdout).toContain('2. app: web.1 — after setup is completed')

    const reload = home.mar(['reload'], {cwd: dir})
    // The migration is running (waiting for go-2): web must still be the old one.
    await waitForState(home, 'shop', 'migrate.1', ['running'])
    const during = await home.status()
    expect(instance(during, 'shop', 'web.1').pid).toBe(webPid)
    expect(webLines(dir)).toEqual(['web 1 sees 1'])

    writeFileSync(join(dir, 'go-2'), '')
    const done = await reload
    expect(done.code).toBe(0)
    await waitFor('the new web to start', () => webLines(dir).length === 2)
    expect(webLines(dir)).toEqual(['web 1 sees 1', 'web 2 sees 2'])
  })

  it('a migration that now fails leaves web running as it was, says why, and the next reload applies it', async () => {
    const {home, dir} = setup()
    expect((await home.mar(['up'], {cwd: dir})).code).toBe(0)
    const webPid = instance(await home.status(), 'shop', 'web.1').pid

    writeFileSync(join(dir, 'go-3'), '')
    writeFileSync(join(dir, 'mar.yaml'), config(3))
    const failed = await home.mar(['reload'], {cwd: dir})
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain('web.1  not reloaded: dependency setup failed (migrate.1 failed: exit 1)')
    const after = await home.status()
    expect(instance(after, 'shop', 'web.1').pid).toBe(webPid)
    expect(instance(after, 'shop', 'web.1').state).toBe('running')
    expect(webLines(dir)).toEqual(['web 1 sees 1'])

    const json = await home.mar(['reload', '--dry-run', '--json'], {cwd: dir})
    // web still runs version 1, so the file's version 3 is still a change for it.
    expect(JSON.parse(json.stdout).changes).toContainEqual({instance: 'web.1', change: 'changed', fields: ['env'], host: 'local'})

    writeFileSync(join(dir, 'go-4'), '')
    writeFileSync(join(dir, 'mar.yaml'), config(4))
    const fixed = await home.mar(['reload'], {cwd: dir})
    expect(fixed.code).toBe(0)
    await waitFor('the new web to start', () => webLines(dir).length === 2)
    expect(webLines(dir)).toEqual(['web 1 sees 1', 'web 4 sees 4'])
  })
})
