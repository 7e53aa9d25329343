// The config code — YAML parser, schema, planner — is most of what a `mar up`
// or `mar validate` of a config it has not planned before costs. Built
// (scripts/build.mjs) also as one CommonJS file, it runs here through
// vm.Script with V8's code cache in MAR_HOME/cache: compiled once per build,
// then loaded in 25 ms instead of 41 (ES modules cannot take a code cache on
// Node 20). Running from sources (tests), it is imported as usual.
import {readdirSync, readFileSync, rmSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {Script} from 'node:vm'
import type {loadStack} from '../config/load.js'
import {marHome} from '../daemon/paths.js'
import {marBuild, marVersion} from '../util/version.js'
import {writeIntoCache} from './plan-cache.js'

export interface ConfigCode {
  loadStack: typeof loadStack
}

let loaded: Promise<ConfigCode> | undefined

export function configCode(): Promise<ConfigCode> {
  loaded ??= load()
  return loaded
}

async function load(): Promise<ConfigCode> {
  // dist/chunks/… and dist/fast/… are both one level below dist/.
  const bundle = fileURLToPath(new URL('../config-loader.cjs', import.meta.url))
  let source: string
  try {
    source = readFileSync(bundle, 'utf8')
  } catch {
    return import('../config/load.js')
  }
  const {Script} = await import('node:vm')
  const cacheFile = join(marHome(), 'cache', `config-code-${safe(`${marVersion()}-${marBuild()}-${process.version}`)}.v8`)
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(cacheFile)
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

/** Write this build's code cache, and drop other builds' (400 KB each). */
function saveCodeCache(script: Script, cacheFile: string): void {
  try {
    if (!writeIntoCache(cacheFile, script.createCachedData())) return
    const dir = dirname(cacheFile)
    for (const name of readdirSync(dir)) {
      if (name.startsWith('config-code-') && name.endsWith('.v8') && join(dir, name) !== cacheFile) rmSync(join(dir, name), {force: true})
    }
  } catch {
    // no cache then
  }
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9.-]/g, '_')
