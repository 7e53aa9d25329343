// systemd's own parsers as test oracles, on a machine where systemd is not
// PID 1: `systemd-analyze verify` checks unit files, and `systemd --test`
// (run as an unprivileged user: it refuses root) loads a unit and dumps what
// it understood — the argv of each command line, the environment, the
// working directory — so quoting is checked against systemd, not against
// our idea of systemd.
import {spawnSync} from 'node:child_process'
import {chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'

export const hasAnalyze = existsSync('/usr/bin/systemd-analyze')
const SYSTEMD = ['/lib/systemd/systemd', '/usr/lib/systemd/systemd'].find((p) => existsSync(p))
const isRoot = process.getuid?.() === 0
const hasSetpriv = existsSync('/usr/bin/setpriv')
export const canDump = SYSTEMD !== undefined && (!isRoot || hasSetpriv)

export interface VerifyResult {
  code: number | null
  /** Every line systemd-analyze printed (it prints problems on stderr). */
  lines: string[]
}

/**
 * `systemd-analyze verify --man=no FILES…`. --man=no skips the man page
 * check (Documentation=), which needs man(1); --user needs an
 * XDG_RUNTIME_DIR, else it fails with "Failed to initialize manager".
 * Units are found beside the given files, so Requires= between them resolves.
 */
export function verify(files: string[], options: {user?: boolean} = {}): VerifyResult {
  const runtime = mkdtempSync(join(tmpdir(), 'mar-sd-rt-'))
  try {
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', ...(options.user ? ['--user'] : []), ...files], {
      encoding: 'utf8',
      env: {...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_COLOR: '0', SYSTEMD_PAGER: ''},
      timeout: 30_000,
    })
    const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => l.trim() !== '')
    return {code: result.status, lines}
  } finally {
    rmSync(runtime, {recursive: true, force: true})
  }
}

/** Lines of a verify run that concern the given unit files (by path or unit name). */
export function problemsAbout(result: VerifyResult, files: string[]): string[] {
  const keys = files.flatMap((f) => [f, basename(f)])
  return result.lines.filter((line) => keys.some((k) => line.includes(k)))
}

export interface DumpedCommand {
  argv: string[]
}

export interface DumpedUnit {
  /** `Key: value` lines of the unit's dump (a key may repeat, e.g. Environment, After). */
  props: Map<string, string[]>
  commands: Map<string, DumpedCommand[]>
}

/** Undo systemd's quoting of a dumped command line: "…" words with C escapes, \NNN octal, \$. */
export function parseCommandLine(line: string): string[] {
  const words: string[] = []
  let i = 0
  while (i < line.length) {
    while (line[i] === ' ') i++
    if (i >= line.length) break
    const bytes: number[] = []
    const push = (s: string) => bytes.push(...Buffer.from(s, 'utf8'))
    const quoted = line[i] === '"'
    if (quoted) i++
    while (i < line.length && (quoted ? line[i] !== '"' : line[i] !== ' ')) {
      if (line[i] !== '\\') {
        push(String.fromCodePoint(line.codePointAt(i)!))
        i += String.fromCodePoint(line.codePointAt(i)!).length
        continue
      }
      const next = line[i + 1]!
      const simple: Record<string, string> = {n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'", $: '$', '`': '`'}
      if (next in simple) {
        push(simple[next]!)
        i += 2
      } else if (/[0-7]/.test(next)) {
        bytes.push(parseInt(line.slice(i + 1, i + 4), 8))
        i += 4
      } else if (next === 'x') {
        bytes.push(parseInt(line.slice(i + 2, i + 4), 16))
        i += 4
      } else {
        throw new Error(`unknown escape \\${next} in ${line}`)
      }
    }
    if (quoted) i++
    words.push(Buffer.from(bytes).toString('utf8'))
  }
  return words
}

/**
 * Load `unit` from `dir` with `systemd --test --user` and return what
 * systemd made of it. The directory is copied somewhere the unprivileged
 * user can read (units may be 0600).
 */
export function dumpUnit(dir: string, unit: string): DumpedUnit {
  if (!SYSTEMD) throw new Error('no systemd binary')
  const home = mkdtempSync(join(tmpdir(), 'mar-sd-dump-'))
  try {
    const units = join(home, 'units')
    cpSync(dir, units, {recursive: true})
    chmodSync(home, 0o755)
    chmodSync(units, 0o755)
    for (const name of readdirSync(units)) chmodSync(join(units, name), 0o644)
    const runtime = join(home, 'runtime')
    mkdirSync(runtime)
    if (isRoot) chownSync(runtime, 65534, 65534)
    chmodSync(runtime, 0o700)
    const env = {XDG_RUNTIME_DIR: runtime, HOME: runtime, SYSTEMD_UNIT_PATH: `${units}:`, PATH: '/usr/bin:/bin'}
    const args = [SYSTEMD, '--test', '--user', `--unit=${unit}`, '--no-pager']
    const [file, argv] = isRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...args]] : [args[0]!, args.slice(1)]
    const result = spawnSync(file, argv, {encoding: 'utf8', env, timeout: 30_000})
    if (result.status !== 0) throw new Error(`systemd --test failed (${result.status}): ${result.stderr}${result.stdout}`)
    return parseDump(result.stdout, unit)
  } finally {
    rmSync(home, {recursive: true, force: true})
  }
}

function parseDump(text: string, unit: string): DumpedUnit {
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l === `\t-> Unit ${unit}:`)
  if (start < 0) throw new Error(`unit ${unit} not in the dump`)
  const props = new Map<string, string[]>()
  const commands = new Map<string, DumpedCommand[]>()
  let command: string | null = null
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('\t-> ')) break
    const exec = /^\t\t-> (\w+):$/.exec(line)
    if (exec) {
      command = exec[1]!
      continue
    }
    const cmdLine = /^\t\t\tCommand Line: (.*)$/.exec(line)
    if (cmdLine && command) {
      const list = commands.get(command) ?? []
      list.push({argv: parseCommandLine(cmdLine[1]!)})
      commands.set(command, list)
      continue
    }
    const prop = /^\t\t([^\t:]+): (.*)$/.exec(line)
    if (prop) {
      command = null
      props.set(prop[1]!, [...(props.get(prop[1]!) ?? []), prop[2]!])
    }
  }
  return {props, commands}
}

/** What a command's argv is at exec time: systemd turns `$$` into `$` (no variable is referenced: we double every `$`). */
export function execTimeArgv(argv: string[]): string[] {
  return argv.map((a) => a.replaceAll('$$', '$'))
}
