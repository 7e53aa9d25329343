// Golden screen captures (test/golden/…): what changes from run to run —
// pids, times, durations, CPU, memory, sparklines, spinners, temp paths —
// is masked, and the comparison ignores how many spaces separate cells (a
// masked "12.3%" and "0%" pad differently), so only a change of content or
// order fails; the stored file keeps the layout for review.
// UPDATE_GOLDEN=1 rewrites the files instead of comparing.
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

export const goldenDir = new URL('../golden/', import.meta.url).pathname

/** SGR and other CSI sequences: kept as they are, never masked inside. */
const CSI = /(\u001b\[[0-9;?]*[ -/]*[@-~])/

export interface MaskOptions {
  /** Literal strings (temp dirs, pids) and what to show instead; longest first is applied first. */
  replace?: Array<[string, string]>
}

const MASKS: Array<[RegExp, string]> = [
  [/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?/g, '<time>'],
  [/\b\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\b/g, '<time>'],
  [/\b\d+(\.\d+)?\s?%/g, '<n>%'],
  [/\b\d+(\.\d+)?\s?([KMGT]i?B|[kKMG]|B)\b/g, '<mem>'],
  // 850ms, 3s, 2m5s, 1h 2m, 4d3h
  [/\b\d+(\.\d+)?(ms|s|m|h|d)(\s?\d+(\.\d+)?(ms|s|m|h))*\b/g, '<dur>'],
  // A sparkline grows into its padding: the glyphs and the spaces after them are one cell.
  [/[▁▂▃▄▅▆▇█]+ */g, '▁ '],
  [/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/g, '⠿'],
  [/\/sys\/fs\/cgroup\S*/g, '<cgroup>'],
  // How many variables the shell that ran the test had.
  [/\(\+ ?\d+ inherited\)/g, '(+<n> inherited)'],
]

/** The screen with what varies between runs masked (escape sequences untouched). */
export function maskScreen(screen: string, options: MaskOptions = {}): string {
  const literals = [...(options.replace ?? [])].filter(([from]) => from !== '').sort((a, b) => b[0].length - a[0].length)
  return screen
    .split(CSI)
    .map((part, i) => {
      if (i % 2 === 1) return part
      for (const [from, to] of literals) part = part.split(from).join(to)
      for (const [pattern, to] of MASKS) part = part.replace(pattern, to)
      return part
    })
    .join('')
}

/** For comparing: runs of spaces as one, trailing spaces and blank lines at the end dropped. */
export function normalizeScreen(screen: string): string {
  return screen
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trimEnd())
    .join('\n')
    .replace(/\n+$/, '')
}

/**
 * Compare `screen` (already masked) with test/golden/NAME, or write it when
 * UPDATE_GOLDEN=1. Returns null when they match; otherwise a message with
 * both, for expect(…).toBeNull() to show.
 */
export function checkGolden(name: string, screen: string): {expected: string; actual: string} | null {
  const file = join(goldenDir, name)
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), {recursive: true})
    writeFileSync(file, screen.endsWith('\n') ? screen : screen + '\n')
    return null
  }
  if (!existsSync(file)) {
    return {expected: `(no golden file ${name}: run UPDATE_GOLDEN=1 npx vitest run on this test, review test/golden/ and commit it)`, actual: normalizeScreen(screen)}
  }
  const expected = normalizeScreen(readFileSync(file, 'utf8'))
  const actual = normalizeScreen(screen)
  return expected === actual ? null : {expected, actual}
}

/**
 * A file compared byte for byte with test/golden/NAME (generated output such
 * as an exported Nomad job, where every space is content), or written when
 * UPDATE_GOLDEN=1. Null when they match, else both texts for expect(…).toBeNull().
 */
export function checkGoldenFile(name: string, text: string): {expected: string; actual: string} | null {
  const file = join(goldenDir, name)
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), {recursive: true})
    writeFileSync(file, text)
    return null
  }
  if (!existsSync(file)) return {expected: `(no golden file ${name}: run UPDATE_GOLDEN=1 npx vitest run on this test, review test/golden/ and commit it)`, actual: text}
  const expected = readFileSync(file, 'utf8')
  return expected === text ? null : {expected, actual: text}
}
