// dist/agent.cjs is what a remote host gets: one file that must run with no
// package around it, and its hash in dist/agent.sha256.
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {copyFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Worker} from 'node:worker_threads'
import {afterAll, describe, expect, it} from 'vitest'
import {marVersion} from '../../src/util/version.js'

const dist = new URL('../../dist/', import.meta.url).pathname
const alone = mkdtempSync(join(tmpdir(), 'mar-agent-'))
afterAll(() => rmSync(alone, {recursive: true, force: true}))

describe('the agent bundle', () => {
  it('is one self-contained CommonJS file: only node: modules and the optional native unix-dgram are required', () => {
    const text = readFileSync(join(dist, 'agent.cjs'), 'utf8')
    const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!).filter((name) => !name.startsWith('node:')))
    const builtins = new Set(['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'events', 'stream', 'util', 'url', 'tty', 'buffer', 'string_decoder', 'timers', 'worker_threads', 'readline', 'process', 'assert', 'constants', 'module', 'fs/promises', 'stream/promises', 'timers/promises', 'http', 'https', 'zlib', 'dgram', 'v8', 'vm', 'async_hooks', 'perf_hooks', 'dns', 'tls'])
    expect([...required].filter((name) => !builtins.has(name))).toEqual([])
    expect(text).toContain('createRequire)(__marModuleUrl)("unix-dgram")')
    expect(text).not.toMatch(/createRequire\)\(__marModuleUrl\)\("re2js"\)/)
  })

  it('has its sha256 in dist/agent.sha256', () => {
    expect(readFileSync(join(dist, 'agent.sha256'), 'utf8')).toBe(`${createHash('sha256').update(readFileSync(join(dist, 'agent.cjs'))).digest('hex')}\n`)
  })

  it('runs from a directory with nothing else in it', () => {
    copyFileSync(join(dist, 'agent.cjs'), join(alone, 'mar.cjs'))
    expect(execFileSync(process.execPath, [join(alone, 'mar.cjs'), 'version'], {cwd: alone, encoding: 'utf8'})).toBe(`${marVersion()}\n`)
    const unknown = spawnSync(process.execPath, [join(alone, 'mar.cjs'), 'up'], {cwd: alone, encoding: 'utf8'})
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain('mar agent: unknown command: up')
  })

  it('is its own pattern worker: started as a worker thread, it compiles and matches with the re2js bundled in', async () => {
    // A remote host has no node_modules: users' patterns (--grep, log probes) are matched off the agent's event loop by this file.
    copyFileSync(join(dist, 'agent.cjs'), join(alone, 'worker.cjs'))
    const worker = new Worker(join(alone, 'worker.cjs'), {workerData: {marPatternWorker: true}})
    try {
      const ask = (message: object) =>
        new Promise<Record<string, unknown>>((resolve) => {
          worker.once('message', resolve)
          worker.postMessage(message)
        })
      expect(await ask({id: 1, pattern: 'listening on port \\d+'})).toMatchObject({id: 1, steps: expect.any(Number)})
      expect(await ask({id: 2, pattern: 'listening on port \\d+', text: 'now listening on port 8080'})).toEqual({id: 2, matched: true})
      expect(await ask({id: 3, pattern: 'listening on port \\d+', text: 'starting'})).toEqual({id: 3, matched: false})
      expect(await ask({id: 4, pattern: '(?=a)'})).toMatchObject({id: 4, error: expect.stringContaining('invalid or unsupported Perl syntax')})
    } finally {
      await worker.terminate()
    }
  })

  it("is reproducible: rebuilding the same code gives the same bytes (the host keeps what it has)", () => {
    // __MAR_BUILD__ is fixed for the agent; nothing else in it depends on the time of the build.
    expect(readFileSync(join(dist, 'agent.cjs'), 'utf8')).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/)
  })
})
