// Drive the built `mar` binary (bin/run.js → dist/) as a user would.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {deadline} from './deadline.js'

export const marBin = new URL('../../bin/run.js', import.meta.url).pathname
export const fixtures = new URL('../fixtures/bin/', import.meta.url).pathname

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  cwd?: string
  env?: Record<string, string | undefined>
  input?: string
  /** An idle machine's deadline for the command (scaled: deadline.ts); default 20 s. */
  timeoutMs?: number
}

/** Run `mar ARGS…` to completion. */
export function mar(args: string[], options: CliOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnMar(args, options)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk) => (stdout += chunk))
    child.stderr!.on('data', (chunk) => (stderr += chunk))
    const timeoutMs = deadline(options.timeoutMs ?? 20_000)
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`mar ${args.join(' ')} did not finish in ${timeoutMs}ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
  })
}

/**
 * Unless a test gives one, a MAR_HOME that does not exist: nothing a test
 * runs may touch the developer's ~/.mar (mar caches plans only in a MAR_HOME
 * that exists, and only a daemon makes one).
 */
const NO_HOME = join(tmpdir(), `mar-tests-no-home-${process.pid}`)
/** Likewise for the code cache of the config loader (src/cli/config-code.ts): tests leave ~/.cache alone. */
const NO_CACHE = join(tmpdir(), `mar-tests-no-cache-${process.pid}`)
// Should something create them after all (a command that makes MAR_HOME), they go with this test process.
process.once('exit', () => {
  for (const dir of [NO_HOME, NO_CACHE]) rmSync(dir, {recursive: true, force: true})
})

export function spawnMar(args: string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [marBin, ...args], {
    cwd: options.cwd,
    // NODE_EXTRA_CA_CERTS (set on these machines) makes every node start 2.5× slower; mar and its tests use no TLS.
    env: {...process.env, MAR_HOME: NO_HOME, XDG_CACHE_HOME: NO_CACHE, NO_COLOR: '1', FORCE_COLOR: undefined, NODE_EXTRA_CA_CERTS: undefined, ...options.env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** A temp directory with the given files; `$FIXTURES` in contents is replaced. */
export function project(files: Record<string, string>): {dir: string; cleanup(): void} {
  const dir = mkdtempSync(join(tmpdir(), 'mar-e2e-'))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), {recursive: true})
    writeFileSync(join(dir, name), content.replaceAll('$FIXTURES', fixtures))
  }
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}
