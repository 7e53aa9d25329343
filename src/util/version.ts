// mar's own version: inlined by the build (esbuild `define`), or read from
// package.json when running from sources (tests).
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

declare const __MAR_VERSION__: string | undefined
declare const __MAR_BUILD__: string | undefined

let cached: string | undefined

export function marVersion(): string {
  if (cached) return cached
  if (typeof __MAR_VERSION__ === 'string') return (cached = __MAR_VERSION__)
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as {name?: string; version?: string}
      if (pkg.name === 'mar' && pkg.version) return (cached = pkg.version)
    }
    dir = dirname(dir)
  }
  return (cached = '0.0.0')
}

/**
 * Which build this is (the build's time), so that caches of one build are
 * not read by another of the same version. Running from sources (tests) it
 * is 'sources': tests give each case its own MAR_HOME.
 */
export function marBuild(): string {
  return typeof __MAR_BUILD__ === 'string' ? __MAR_BUILD__ : 'sources'
}
