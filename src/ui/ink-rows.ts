// ink's Output.get() builds every frame cell by cell: an object per cell of
// the screen, then every row turned back into a string with its ANSI codes.
// A TUI row is nearly always one text written at column 0, and most rows are
// the rows of the frame before. So this get() does what ink's does, row by
// row, and remembers the finished string of a row that is one text at one
// column: the next frame with that row costs a map lookup. Rows made of
// several writes are built exactly as ink builds them, uncached.
//
// Same terms as ink-caches.ts: it replaces a method of ink's internal Output,
// only if the parts it needs are found, and test/unit/ui/ink-rows.test.ts
// checks that it draws what ink's own get() draws, frame by frame.
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

/** Finished rows kept before the cache is emptied: a few screens' worth, with room for a log flood's churn. */
const MAX_ROWS = 2000

type Transformer = (line: string, index: number) => string
type Clip = {x1?: number; x2?: number; y1?: number; y2?: number}
type Operation = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'}
interface StyledChar {
  type: 'char'
  value: string
  fullWidth: boolean
  styles: unknown[]
}
interface Caches {
  getStyledChars(line: string): StyledChar[]
  getStringWidth(text: string): number
  getWidestLine(text: string): number
}
export interface OutputLike {
  width: number
  height: number
  operations: Operation[]
  caches: Caches
  get(): {output: string; height: number}
}
interface Helpers {
  sliceAnsi(text: string, from: number, to?: number): string
  styledCharsToString(chars: StyledChar[]): string
}

/** What ink's Output module directory resolves a bare import to: the first node_modules up from it that has the package. */
function resolveFrom(dir: string, pkg: string, entry: string): string | null {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', pkg, entry)
    if (existsSync(candidate)) return candidate
    if (dirname(at) === at) return null
  }
}

/** Load what ink's get() uses, from where ink itself loads it; null when not found as expected. */
export async function loadHelpers(outputFile: string): Promise<Helpers | null> {
  const dir = dirname(outputFile)
  const tokenize = resolveFrom(dir, '@alcalzone/ansi-tokenize', 'build/index.js')
  const slice = resolveFrom(dir, 'slice-ansi', 'index.js')
  if (!tokenize || !slice) return null
  const [{styledCharsToString}, {default: sliceAnsi}] = (await Promise.all([import(pathToFileURL(tokenize).href), import(pathToFileURL(slice).href)])) as [{styledCharsToString?: unknown}, {default?: unknown}]
  if (typeof styledCharsToString !== 'function' || typeof sliceAnsi !== 'function') return null
  return {styledCharsToString: styledCharsToString as Helpers['styledCharsToString'], sliceAnsi: sliceAnsi as Helpers['sliceAnsi']}
}

/** Replace `proto.get` with the row-caching one. */
export function patchGet(proto: {get: OutputLike['get']}, helpers: Helpers): void {
  const rows = new Map<string, string>()
  proto.get = function get(this: OutputLike) {
    const placed = placeWrites(this, helpers)
    const lines: string[] = []
    for (const writes of placed) {
      if (writes.length === 0) {
        lines.push('')
      } else if (writes.length === 1) {
        const {x, line} = writes[0]!
        const key = `${this.width}\u0000${x}\u0000${line}`
        let row = rows.get(key)
        if (row === undefined) {
          if (rows.size >= MAX_ROWS) rows.clear()
          row = buildRow(this, writes, helpers)
          rows.set(key, row)
        }
        lines.push(row)
      } else {
        lines.push(buildRow(this, writes, helpers))
      }
    }
    return {output: lines.join('\n'), height: placed.length}
  }
}

/** Per row of the screen, the lines written to it and where, in the order ink would write them (its clipping and transformers applied). */
function placeWrites(output: OutputLike, helpers: Helpers): Array<Array<{x: number; line: string}>> {
  const placed: Array<Array<{x: number; line: string}>> = Array.from({length: output.height}, () => [])
  const clips: Clip[] = []
  for (const operation of output.operations) {
    if (operation.type === 'clip') clips.push(operation.clip)
    if (operation.type === 'unclip') clips.pop()
    if (operation.type !== 'write') continue
    const {text, transformers} = operation
    let {x, y} = operation
    let lines = text.split('\n')
    const clip = clips.at(-1)
    if (clip) {
      const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number'
      const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number'
      if (clipHorizontally) {
        const width = output.caches.getWidestLine(text)
        if (x + width < clip.x1! || x > clip.x2!) continue
      }
      if (clipVertically) {
        if (y + lines.length < clip.y1! || y > clip.y2!) continue
      }
      if (clipHorizontally) {
        lines = lines.map((line) => {
          const from = x < clip.x1! ? clip.x1! - x : 0
          const width = output.caches.getStringWidth(line)
          const to = x + width > clip.x2! ? clip.x2! - x : width
          return helpers.sliceAnsi(line, from, to)
        })
        if (x < clip.x1!) x = clip.x1!
      }
      if (clipVertically) {
        const from = y < clip.y1! ? clip.y1! - y : 0
        const to = y + lines.length > clip.y2! ? clip.y2! - y : lines.length
        lines = lines.slice(from, to)
        if (y < clip.y1!) y = clip.y1!
      }
    }
    let offsetY = 0
    for (let [index, line] of lines.entries()) {
      const row = placed[y + offsetY]
      // As ink does: a line below (or above) the screen is dropped, and so are the ones after it.
      if (!row) continue
      for (const transformer of transformers) line = transformer(line, index)
      row.push({x, line})
      offsetY++
    }
  }
  return placed
}

/** One row exactly as ink's get() makes it: blank cells, the writes' characters in order, then the string with its codes, trimmed. */
function buildRow(output: OutputLike, writes: Array<{x: number; line: string}>, helpers: Helpers): string {
  const cells: Array<StyledChar | undefined> = []
  for (let x = 0; x < output.width; x++) cells.push({type: 'char', value: ' ', fullWidth: false, styles: []})
  for (const {x, line} of writes) {
    let offsetX = x
    for (const character of output.caches.getStyledChars(line)) {
      cells[offsetX] = character
      const characterWidth = Math.max(1, output.caches.getStringWidth(character.value))
      for (let index = 1; index < characterWidth; index++) cells[offsetX + index] = {type: 'char', value: '', fullWidth: false, styles: character.styles}
      offsetX += characterWidth
    }
  }
  return helpers.styledCharsToString(cells.filter((cell): cell is StyledChar => cell !== undefined)).trimEnd()
}

/** The directory of ink's Output module, from ink's entry point. */
export function outputFileOf(inkEntry: string): string {
  return join(dirname(fileURLToPath(inkEntry)), 'output.js')
}
