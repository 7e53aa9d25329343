// The config code — YAML parser, schema, planner — is most of what a `mar up`
// or `mar validate` of a config it has not planned before costs. Built
// (scripts/build.mjs) also as one CommonJS file, it runs here through
// vm.Script with V8's code cache: compiled once per build and machine user,
// then loaded in 25 ms instead of 41 (ES modules cannot take a code cache on
// Node 20). The cache holds only compiled mar code, so it lives with the
// user's other caches ($XDG_CACHE_HOME/mar, else ~/.cache/mar), not in a
// MAR_HOME. Running from sources (tests), the loader is imported as usual.
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {Script} from 'node:vm'
import type {loadStack} from '../config/load.js'
import {ownedPrivately} from '../util/private-dir.js'
import {marBuild, marVersion} from '../util/version.js'

export interface ConfigCode {
  loadStack: typeof loadStack
}

let loaded: Promise<ConfigCode> | undefined

export function configCode(): Promise<ConfigCode> {
  loaded ??= load()
  return loaded
}

async function load(): Promise<ConfigCode> {
  // dist/fast.cjs sits in dist/ beside the loader, dist/chunks/… one level below.
  const here = dirname(fileURLToPath(import.meta.url))
  const bundle = [join(here, 'config-loader.cjs'), join(here, '..', 'config-loader.cjs')].find((file) => existsSync(file))
  if (bundle === undefined) return import('../config/load.js')
  const source = readFileSync(bundle, 'utf8')
  const {Script} = await import('node:vm')
  const cacheFile = join(codeCacheDir(), `config-code-${safe(`${marVersion()}-${marBuild()}-${process.version}`)}.v8`)
  let cachedData: Buffer | undefined
  try {
    // V8 trusts a code cache that matches the source: only one in a directory of our own that no one else can write.
    if (ownedPrivately(dirname(cacheFile))) cachedData = readFileSync(cacheFile)
  } catch {
    // none yet
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {filename: bundle, cachedData})
  const module = {exports: {} as ConfigCode}
  ;(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle))
  // Written as the command ends, with every function the config needed compiled by then.
  if (cachedData === undefined || script.cachedDataRejected) process.once('beforeExit', () => saveCodeCache(script, cacheFile))
  return module.exports
}

function codeCacheBase(): {base: string; isDefault: boolean} {
  const xdg = process.env.XDG_CACHE_HOME
  return xdg && xdg !== '' ? {base: xdg, isDefault: false} : {base: join(homedir(), '.cache'), isDefault: true}
}

function codeCacheDir(): string {
  return join(codeCacheBase().base, 'mar')
}

/** Write this build's code cache (0600, by rename), and drop other builds' (400 KB each). Best effort. */
function saveCodeCache(script: Script, cacheFile: string): void {
  const dir = dirname(cacheFile)
  const temporary = `${cacheFile}.${process.pid}.tmp`
  try {
    // One level at a time, never recursively from nowhere: ~/.cache is made
    // in an existing home; a $XDG_CACHE_HOME that does not exist gets no cache.
    for (const level of codeCacheBase().isDefault ? [dirname(dir), dir] : [dir]) {
      try {
        mkdirSync(level, {mode: 0o700})
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return
      }
    }
    if (!ownedPrivately(dir)) return
    writeFileSync(temporary, script.createCachedData(), {mode: 0o600})
    renameSync(temporary, cacheFile)
    for (const name of readdirSync(dir)) {
      if (name.startsWith('config-code-') && join(dir, name) !== cacheFile) rmSync(join(dir, name), {force: true})
    }
  } catch {
    try {
      rmSync(temporary, {force: true})
    } catch {
      // nothing was written
    }
  }
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9.-]/g, '_')
