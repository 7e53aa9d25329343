// `mar __complete SHELL -- WORD…`: what the completion scripts (`mar
// completion`) call at each TAB. Hidden, and answered on bin/run.js's fast
// path: no oclif, only the manifest, and the daemon when names are wanted.
// One candidate a line — bash: the word; zsh: `word:description`; fish:
// `word<TAB>description` — or the single line `:files` for "complete paths".
// It prints nothing rather than an error: a TAB must never fill the terminal.
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {completeWords, FILES, type Candidate, type Manifest} from './complete-words.js'
import {runningNames} from './complete-names.js'

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

/** Past this the daemon's names are given up on; a TAB that takes longer feels broken. */
const NAMES_TIMEOUT_MS = 500
/** And the whole answer: a hung socket must not hang the shell. */
const DEADLINE_MS = 1500

export async function runComplete(argv: string[]): Promise<number> {
  const [shell, separator, ...words] = argv
  if (!SHELLS.includes(shell as Shell) || separator !== '--') return 2
  const deadline = setTimeout(() => process.exit(0), DEADLINE_MS)
  try {
    const manifest = readManifest()
    if (!manifest) return 0
    const result = await completeWords(manifest, words.length > 0 ? words : [''], runningNames(process.cwd(), NAMES_TIMEOUT_MS))
    process.stdout.write(result === FILES ? ':files\n' : render(shell as Shell, result))
    return 0
  } catch {
    return 0
  } finally {
    clearTimeout(deadline)
  }
}

export function render(shell: Shell, candidates: Candidate[]): string {
  const line = (c: Candidate): string => {
    const description = c.description?.replace(/\s+/g, ' ').trim()
    if (shell === 'bash' || !description) return shell === 'zsh' ? c.value.replaceAll(':', '\\:') : c.value
    return shell === 'zsh' ? `${c.value.replaceAll(':', '\\:')}:${description}` : `${c.value}\t${description}`
  }
  return candidates.map((c) => `${line(c)}\n`).join('')
}

/** oclif.manifest.json at the package root: beside dist/ when built (dist/fast.cjs), two levels up from src/cli in development. */
function readManifest(): Manifest | undefined {
  for (const relative of ['../oclif.manifest.json', '../../oclif.manifest.json']) {
    const file = fileURLToPath(new URL(relative, import.meta.url))
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Manifest
  }
  return undefined
}
