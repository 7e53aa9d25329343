// Nomad's JSON API carries durations as Go's time.Duration: nanoseconds.
export type NomadObject = Record<string, unknown>

export function nanoseconds(ms: number): number {
  return Math.round(ms * 1_000_000)
}

const MiB = 1024 * 1024

/** Nomad counts memory in whole MiB. */
export function mebibytes(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / MiB))
}
