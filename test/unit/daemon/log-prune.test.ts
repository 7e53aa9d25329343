// Clearing and pruning stored logs (src/daemon/log-prune.ts): whole stack
// and instance directories only, never those in use, and only once nothing
// was written to them for the retention time.
import {existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {marPaths} from '../../../src/api/home.js'
import {clearStackLogs, LOG_RETENTION_MS, pruneLogs} from '../../../src/daemon/log-prune.js'
import {acquireLock, foregroundLockKey} from '../../../src/daemon/server.js'
import {MarError} from '../../../src/util/errors.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

function home() {
  const dir = mkdtempSync(join(tmpdir(), 'mar-prune-'))
  dirs.push(dir)
  const paths = marPaths(dir)
  mkdirSync(paths.logs, {recursive: true})
  mkdirSync(paths.stacks, {recursive: true})
  mkdirSync(paths.foreground, {recursive: true})
  return paths
}

const NOW = Date.now()
const OLD = NOW - LOG_RETENTION_MS - 3600_000

/** logs/<rel>/out.log with some bytes, every part of it last changed at `mtime`. */
function logDir(logs: string, rel: string, mtime = NOW): string {
  const dir = join(logs, rel)
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'out.log'), 'x'.repeat(5000))
  const seconds = mtime / 1000
  utimesSync(join(dir, 'out.log'), seconds, seconds)
  let path = dir
  while (path.length > logs.length) {
    utimesSync(path, seconds, seconds)
    path = join(path, '..')
  }
  return dir
}

describe('pruneLogs', () => {
  it('removes stacks that are not up and old instances of stacks that are; keeps fresh, recorded, foreground and hidden ones', async () => {
    const paths = home()
    logDir(paths.logs, 'gone/web.1', OLD)
    logDir(paths.logs, 'recent/web.1', NOW)
    logDir(paths.logs, 'up/web.1', OLD)
    logDir(paths.logs, 'up/removed.1', OLD)
    logDir(paths.logs, 'up/fresh.1', NOW)
    logDir(paths.logs, 'recorded/web.1', OLD)
    writeFileSync(join(paths.stacks, 'recorded.json'), '{}')
    logDir(paths.logs, 'fg/web.1', OLD)
    writeFileSync(join(paths.foreground, 'fg.sock'), '')
    logDir(paths.logs, '.spool/x', OLD)
    // A gone stack with one old and one fresh instance: its newest line counts.
    logDir(paths.logs, 'mixed/a.1', OLD)
    logDir(paths.logs, 'mixed/b.1', NOW)

    const pruned = await pruneLogs(paths, {inUse: (stack, instance) => stack === 'up' && (instance === undefined || instance === 'web.1'), now: NOW})
    expect(pruned.sort()).toEqual(['gone', 'up/removed.1'])
    for (const rel of ['recent/web.1', 'up/web.1', 'up/fresh.1', 'recorded/web.1', 'fg/web.1', '.spool/x', 'mixed/a.1']) expect(existsSync(join(paths.logs, rel)), rel).toBe(true)
    expect(existsSync(join(paths.logs, 'gone'))).toBe(false)
    expect(existsSync(join(paths.logs, 'up/removed.1'))).toBe(false)
  })

  it('asks again right before a directory goes: a stack that came up meanwhile keeps its logs', async () => {
    const paths = home()
    logDir(paths.logs, 'late/web.1', OLD)
    let asked = 0
    // Not in use when first looked at; up by the time it would go.
    const pruned = await pruneLogs(paths, {inUse: (stack) => stack === 'late' && ++asked > 1, now: NOW})
    expect(pruned).toEqual([])
    expect(existsSync(join(paths.logs, 'late/web.1/out.log'))).toBe(true)
  })
})

describe('clearStackLogs', () => {
  const notUp = {role: 'daemon' as const, inUse: () => false}

  it('deletes the stack directory and says how much it freed; nothing there is no error', async () => {
    const paths = home()
    logDir(paths.logs, 'shop/web.1')
    logDir(paths.logs, 'shop/web.2')
    const reply = await clearStackLogs(paths, 'shop', notUp)
    expect(reply).toMatchObject({stack: 'shop', removed: true})
    expect(reply.bytes).toBeGreaterThanOrEqual(8192)
    expect(existsSync(join(paths.logs, 'shop'))).toBe(false)
    expect(await clearStackLogs(paths, 'shop', notUp)).toEqual({stack: 'shop', removed: false, bytes: 0})
  })

  it('refuses while the stack is up, recorded to come back, or run by a `mar up -f`', async () => {
    const paths = home()
    logDir(paths.logs, 'shop/web.1')
    const code = (promise: Promise<unknown>) => promise.then(() => 'cleared', (error: MarError) => error.code)
    expect(await code(clearStackLogs(paths, 'shop', {role: 'daemon', inUse: (stack) => stack === 'shop'}))).toBe('stack-in-daemon')
    writeFileSync(join(paths.stacks, 'shop.json'), '{}')
    expect(await code(clearStackLogs(paths, 'shop', notUp))).toBe('stack-in-daemon')
    rmSync(join(paths.stacks, 'shop.json'))
    const lock = await acquireLock(foregroundLockKey(paths.home, 'shop'))
    try {
      expect(await code(clearStackLogs(paths, 'shop', notUp))).toBe('stack-in-foreground')
    } finally {
      lock!.release()
    }
    expect(existsSync(join(paths.logs, 'shop/web.1/out.log'))).toBe(true)
    expect(await code(clearStackLogs(paths, 'shop', notUp))).toBe('cleared')
  })
})
