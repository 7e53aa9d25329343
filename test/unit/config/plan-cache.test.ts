// The plan cache: a cached plan is used only while everything it came from
// is unchanged. To tell a cache hit from a fresh plan, the tests doctor the
// cached entry (its stack name) and look for the doctored name.
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {loadPlanOrThrow} from '../../../src/cli/load-plan.js'
import {tempDir} from './helpers.js'

let home: string
let savedHome: string | undefined
let savedVar: string | undefined

beforeEach(async () => {
  home = await tempDir()
  savedHome = process.env.MAR_HOME
  savedVar = process.env.PLAN_CACHE_TEST
  process.env.MAR_HOME = home
  delete process.env.PLAN_CACHE_TEST
})

afterEach(() => {
  if (savedHome === undefined) delete process.env.MAR_HOME
  else process.env.MAR_HOME = savedHome
  if (savedVar === undefined) delete process.env.PLAN_CACHE_TEST
  else process.env.PLAN_CACHE_TEST = savedVar
})

function cacheFiles(): string[] {
  try {
    return readdirSync(join(home, 'cache')).map((name) => join(home, 'cache', name))
  } catch {
    return []
  }
}

/** Rename the stack inside the one cache entry: a load that returns this name came from the cache. */
function doctorCache(): void {
  const [file] = cacheFiles()
  const entry = JSON.parse(readFileSync(file!, 'utf8'))
  entry.plan.name = 'from-cache'
  writeFileSync(file!, JSON.stringify(entry))
}

const quiet = {warn: () => {}}
const config = 'name: app\nenv_file: [.env, .env.local]\nrunners:\n  web: { cmd: "server --port ${PORT:-1}" }\n'

describe('plan cache', () => {
  it('serves an unchanged config from MAR_HOME/cache, readable only by its user', async () => {
    const dir = await tempDir({'mar.yaml': config, '.env': 'A=1\n'})
    expect((await loadPlanOrThrow(undefined, dir, quiet)).name).toBe('app')
    expect(cacheFiles()).toHaveLength(1)
    doctorCache()
    expect((await loadPlanOrThrow(undefined, dir, quiet)).name).toBe('from-cache')
    expect((await import('node:fs')).statSync(cacheFiles()[0]!).mode & 0o777).toBe(0o600)
  })

  it.each([
    ['the config changes', (dir: string) => writeFileSync(join(dir, 'mar.yaml'), config.replace('server', 'server2'))],
    ['an env file changes', (dir: string) => writeFileSync(join(dir, '.env'), 'A=2\n')],
    ['an absent env file appears', (dir: string) => writeFileSync(join(dir, '.env.local'), 'B=1\n')],
    ['an env file goes away', (dir: string) => rmSync(join(dir, '.env'))],
    ['the environment changes', () => void (process.env.PLAN_CACHE_TEST = 'x')],
    // A fresh load fails on it (EISDIR): the cache must not hide that.
    ['an absent env file turns up unreadable', (dir: string) => mkdirSync(join(dir, '.env.local'))],
  ])('plans afresh when %s', async (_what, change) => {
    const dir = await tempDir({'mar.yaml': config, '.env': 'A=1\n'})
    await loadPlanOrThrow(undefined, dir, quiet)
    doctorCache()
    change(dir)
    const fresh = loadPlanOrThrow(undefined, dir, quiet)
    if (existsSync(join(dir, '.env.local')) && statSync(join(dir, '.env.local')).isDirectory()) await expect(fresh).rejects.toThrow(/env_file/)
    else expect((await fresh).name).toBe('app')
  })

  it('keys on the directory and -c: the same file seen from elsewhere has its own entry', async () => {
    const dir = await tempDir({'mar.yaml': config, 'sub/.keep': ''})
    await loadPlanOrThrow(undefined, dir, quiet)
    await loadPlanOrThrow(undefined, join(dir, 'sub'), quiet)
    await loadPlanOrThrow('mar.yaml', dir, quiet)
    expect(cacheFiles()).toHaveLength(3)
  })

  it('prints the config warnings on every load, cached or not', async () => {
    const dir = await tempDir({'mar.yaml': 'name: app\nenv_file: missing.env\nrunners:\n  web: { cmd: "server" }\n'})
    for (let i = 0; i < 2; i++) {
      const warnings: string[] = []
      await loadPlanOrThrow(undefined, dir, {warn: (message) => warnings.push(message)})
      expect(warnings).toEqual([expect.stringContaining('env_file "missing.env" not found')])
    }
    expect(cacheFiles()).toHaveLength(1)
  })

  it('makes no MAR_HOME of its own: without one, nothing is cached', async () => {
    const dir = await tempDir({'mar.yaml': config})
    process.env.MAR_HOME = join(home, 'not-made-yet')
    expect((await loadPlanOrThrow(undefined, dir, quiet)).name).toBe('app')
    expect(existsSync(join(home, 'not-made-yet'))).toBe(false)
  })

  it('ignores a cache directory others can write to', async () => {
    const dir = await tempDir({'mar.yaml': config})
    await loadPlanOrThrow(undefined, dir, quiet)
    doctorCache()
    chmodSync(join(home, 'cache'), 0o777)
    expect((await loadPlanOrThrow(undefined, dir, quiet)).name).toBe('app')
    chmodSync(join(home, 'cache'), 0o700)
    expect((await loadPlanOrThrow(undefined, dir, quiet)).name).toBe('from-cache')
  })

  it('keeps the newest 32 entries', async () => {
    const dirs = await Promise.all(Array.from({length: 34}, () => tempDir({'mar.yaml': config})))
    for (const dir of dirs) await loadPlanOrThrow(undefined, dir, quiet)
    expect(cacheFiles()).toHaveLength(32)
  })

  it('never caches an invalid config, and works when the cache cannot be written', async () => {
    const dir = await tempDir({'mar.yaml': 'name: app\nrunners:\n  web: { cmd: 1 }\n'})
    await expect(loadPlanOrThrow(undefined, dir, quiet)).rejects.toThrow()
    expect(cacheFiles()).toHaveLength(0)
    writeFileSync(join(dir, 'mar.yaml'), config)
    writeFileSync(join(home, 'cache'), 'a file where the cache directory would go')
    expect((await loadPlanOrThrow(undefined, dir, quiet)).name).toBe('app')
    expect((await loadPlanOrThrow(undefined, dir, quiet)).name).toBe('app')
  })
})
