// Human formats shared by the CLI and the supervisor's messages.

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`
  const units = ['K', 'M', 'G', 'T']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1).replace(/\.0$/, '')}${units[unit]}`
}

/**
 * A duration as the config writes them, exactly: 250 → `250ms`, 1500 →
 * `1.5s`, 90 000 → `1m30s`, 3 600 000 → `1h` (a day or more as `d`). Round
 * first what should not show its milliseconds (an uptime).
 */
export function formatDuration(ms: number): string {
  ms = Math.round(ms)
  if (ms === 0) return '0'
  if (ms < 1000) return `${ms}ms`
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]]
  let text = ''
  let rest = ms
  for (const [unit, size] of units) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`
      rest %= size
    }
  }
  return rest === 0 ? text : `${text}${rest / 1000}s`
}

/** How long something has been up, to the second: `3m12s`. */
export function formatUptime(ms: number): string {
  return ms < 1000 ? formatDuration(ms) : formatDuration(Math.floor(ms / 1000) * 1000)
}

/**
 * Uptime as the table shows it: seconds in the first minute, then minutes,
 * hours and days (as pm2 and kubectl do), so an idle screen changes once a
 * minute, not once a second. `mar describe` and the details view keep the
 * exact figure.
 */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`
  const d = Math.floor(h / 24)
  return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`
}

/** A word as a POSIX shell reads it back: as it is when plain, else in single quotes — for commands mar prints for the user to run. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`
}
