// ink measures and tokenises every line of the screen on every frame, with
// caches that live for one frame only (a fresh Output each time). Most lines
// of a TUI frame are the lines of the frame before, so here those caches are
// kept across frames — bounded, and emptied when they grow too large.
//
// It reaches into ink's Output (not part of its public API): found through
// the file ink's entry point sits beside, and patched only if it has the
// exact shape this was written against (ink 6.x). Otherwise nothing is
// changed and ink works as shipped, only slower; test/unit/ui/ink-caches
// fails then, so an upgrade of ink says so instead of silently losing this.

import {pathToFileURL} from 'node:url'
import {loadHelpers, outputFileOf, patchGet, type OutputLike} from './ink-rows.js'

/**
 * Entries kept before a cache is emptied. A line's styled characters are an
 * object per cell, so few of them (a 60-line screen, with room for a log
 * flood's churn); widths are numbers, so many (every distinct character and line).
 */
const MAX_LINES = 600
const MAX_WIDTHS = 20_000

interface CachesShape {
  getStyledChars(line: string): unknown
  getStringWidth(text: string): number
  getWidestLine(text: string): number
}

let shared: Promise<boolean> | null = null

/** Patch ink's per-frame caches into lasting ones; resolves whether it was done. Idempotent. */
export function shareInkCaches(): Promise<boolean> {
  shared ??= patch().catch(() => false)
  return shared
}

async function patch(): Promise<boolean> {
  const outputFile = outputFileOf(import.meta.resolve('ink'))
  const {default: Output} = (await import(pathToFileURL(outputFile).href)) as {default: (new (options: {width: number; height: number}) => {caches?: CachesShape}) & {prototype: {get?: unknown}}}
  const probe = new Output({width: 1, height: 1}).caches
  if (!probe) return false
  // Whole rows remembered too (ink-rows.ts), when what ink's get() uses is where ink loads it from.
  const helpers = typeof Output.prototype.get === 'function' ? await loadHelpers(outputFile).catch(() => null) : null
  if (helpers) patchGet(Output.prototype as {get: OutputLike['get']}, helpers)
  const proto = Object.getPrototypeOf(probe) as CachesShape
  const {getStyledChars, getStringWidth, getWidestLine} = proto
  if (typeof getStyledChars !== 'function' || typeof getStringWidth !== 'function' || typeof getWidestLine !== 'function') return false
  proto.getStyledChars = lasting(getStyledChars, MAX_LINES)
  proto.getStringWidth = lasting(getStringWidth, MAX_WIDTHS)
  proto.getWidestLine = lasting(getWidestLine, MAX_WIDTHS)
  return true
}

/** One cache for every frame around a method of ink's per-frame caches (whose own map then stays empty). */
function lasting<T>(compute: (this: CachesShape, key: string) => T, max: number): (this: CachesShape, key: string) => T {
  const cache = new Map<string, T>()
  return function (this: CachesShape, key: string): T {
    let value = cache.get(key)
    if (value === undefined) {
      if (cache.size >= max) cache.clear()
      value = compute.call(this, key)
      cache.set(key, value)
    }
    return value
  }
}
