// Did-you-mean: the closest known word to a misspelt one, by optimal string
// alignment distance (Damerau–Levenshtein with adjacent transpositions),
// plus a table of words people bring from other tools (`command` for `cmd`).

/** Words from docker compose, pm2, process-compose and systemd that mean one of our keys. */
export const KEY_ALIASES: Record<string, string> = {
  command: 'cmd',
  commands: 'cmd',
  script: 'cmd',
  exec: 'cmd',
  run: 'cmd',
  workdir: 'cwd',
  working_dir: 'cwd',
  working_directory: 'cwd',
  dir: 'cwd',
  directory: 'cwd',
  environment: 'env',
  envs: 'env',
  env_files: 'env_file',
  envfile: 'env_file',
  dotenv: 'env_file',
  replicas: 'scale',
  instances: 'scale',
  count: 'scale',
  ports: 'port',
  host: 'hosts',
  healthcheck: 'health',
  health_check: 'health',
  liveness: 'health',
  liveness_probe: 'health',
  readiness: 'ready',
  readiness_probe: 'ready',
  ready_check: 'ready',
  restart_policy: 'restart',
  depends: 'depends_on',
  dependencies: 'depends_on',
  requires: 'depends_on',
  after: 'depends_on',
  one_shot: 'oneshot',
  once: 'oneshot',
  max_memory_restart: 'memory_limit',
  max_memory: 'memory_limit',
  memory_max: 'memory_limit',
  logs: 'log',
  processes: 'runners',
  services: 'runners',
  apps: 'runners',
}

/** Optimal string alignment distance between a and b. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({length: rows}, (_, i) => Array.from({length: cols}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[rows - 1][cols - 1]
}

/**
 * The candidate closest to `input`, or undefined when none is close enough:
 * at most 1 edit for short words, about a third of the length for longer
 * ones, so `comand` finds `command` (→ `cmd`) but `db` does not find `web`.
 * `aliases` maps other tools' words to candidates.
 */
export function suggest(input: string, candidates: readonly string[], aliases: Record<string, string> = {}): string | undefined {
  const wanted = input.toLowerCase()
  const pool = new Map<string, string>()
  for (const candidate of candidates) pool.set(candidate.toLowerCase(), candidate)
  for (const [alias, target] of Object.entries(aliases)) if (candidates.includes(target) && !pool.has(alias)) pool.set(alias, target)
  const limit = Math.max(1, Math.floor(wanted.length / 3))
  let best: {target: string; distance: number} | undefined
  for (const [word, target] of pool) {
    if (target === input) continue
    // The distance is at least the difference in length: skip what cannot be close (a 200 000-character key took a minute).
    const apart = Math.abs(wanted.length - word.length)
    if (apart > limit || apart >= word.length) continue
    const distance = editDistance(wanted, word)
    if (distance <= limit && distance < word.length && (!best || distance < best.distance)) best = {target, distance}
  }
  return best?.target
}

/** `did you mean "cmd"?`, or undefined. */
export function didYouMean(input: string, candidates: readonly string[], aliases?: Record<string, string>): string | undefined {
  const guess = suggest(input, candidates, aliases)
  return guess === undefined ? undefined : `did you mean "${guess}"?`
}
