// Durations, sizes, signals and restart limits as they are written in
// mar.yaml, turned into the numbers the plan carries (ms, bytes, names).
// Pure functions, no I/O: the schema uses them in its transforms and the
// regular expressions double as the JSON Schema's `pattern`s.

/** `250ms`, `2s`, `5m`, `1h`, decimals (`1.5s`) and compounds (`1m30s`). */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$'
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g
const DURATION_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/** `512K`, `256M`, `1G`, `2T`, optional `B`/`iB` suffix, any case; binary multiples like pm2 and docker. */
export const SIZE_PATTERN = '^\\d+(\\.\\d+)?\\s*([kKmMgGtT]i?[bB]?|[bB])?$'
const SIZE_UNITS: Record<string, number> = {k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4}

/** `N/DURATION`: at most N restarts within any window of DURATION. */
export const LIMIT_PATTERN = '^\\d+\\s*/\\s*(\\d+(\\.\\d+)?(ms|s|m|h))+$'

/**
 * A duration in milliseconds. Strings need a unit: a bare number is
 * ambiguous (systemd reads seconds, others milliseconds), so only `0` may be
 * written without one. Returns undefined when the text is not a duration.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return value === 0 ? 0 : undefined
  const text = value.trim()
  if (!new RegExp(DURATION_PATTERN).test(text)) return undefined
  let total = 0
  for (const match of text.matchAll(DURATION_PART)) total += Number(match[1]) * DURATION_MS[match[2]]
  return Math.round(total)
}

/** A size in bytes: a number is bytes; `K`, `M`, `G`, `T` are powers of 1024. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined
  const text = value.trim()
  if (!new RegExp(SIZE_PATTERN).test(text)) return undefined
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text)!
  const unit = match[2].toLowerCase()
  const factor = unit === '' || unit === 'b' ? 1 : SIZE_UNITS[unit[0]]
  return Math.floor(Number(match[1]) * factor)
}

/** `5/60s` → {count: 5, windowMs: 60000}. */
export function parseLimit(value: string): {count: number; windowMs: number} | undefined {
  if (!new RegExp(LIMIT_PATTERN).test(value.trim())) return undefined
  const [count, window] = value.split('/').map((part) => part.trim())
  const windowMs = parseDuration(window)
  if (windowMs === undefined || windowMs === 0) return undefined
  return {count: Number(count), windowMs}
}

/** Human form of a size: 268435456 → `256M`. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`
  }
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)}M`
  return `${bytes}B`
}
