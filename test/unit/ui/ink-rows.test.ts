// The row-caching Output.get() (src/ui/ink-rows.ts) must draw exactly what
// ink's own get() draws: both run on the same Outputs — random writes with
// colors, reverse video, wide characters, newlines, clips, transformers, and
// the same rows again from frame to frame — and must agree on every one.
import {describe, expect, it} from 'vitest'
import {loadHelpers, outputFileOf, patchGet, type OutputLike} from '../../../src/ui/ink-rows.js'

type OutputClass = new (options: {width: number; height: number}) => OutputLike & {write(x: number, y: number, text: string, options: {transformers: Array<(s: string, i: number) => string>}): void; clip(c: object): void; unclip(): void}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  }
}

const WORDS = ['web.1', 'running', '●', '✓ready', '日本', '▁▂▃', '  ', 'x', 'a very long line of text that goes past the edge of a narrow screen']
const STYLES = [(s: string) => s, (s: string) => `\x1b[32m${s}\x1b[39m`, (s: string) => `\x1b[7m${s}\x1b[27m`, (s: string) => `\x1b[1m\x1b[31m${s}\x1b[39m\x1b[22m`, (s: string) => `\x1b[2m${s}\x1b[22m`]

function fill(output: InstanceType<OutputClass>, pick: (n: number) => number, rows: string[]) {
  let clipped = 0
  for (let i = 0; i < 12; i++) {
    const what = pick(10)
    if (what === 0) {
      output.clip({x1: pick(4), x2: 10 + pick(30), y1: pick(3), y2: 3 + pick(10)})
      clipped++
    } else if (what === 1 && clipped > 0) {
      output.unclip()
      clipped--
    } else {
      // Often a row of the frame before, as a TUI's rows mostly are.
      const text = rows.length > 0 && pick(2) === 0 ? rows[pick(rows.length)]! : Array.from({length: 1 + pick(4)}, () => STYLES[pick(STYLES.length)]!(WORDS[pick(WORDS.length)]!)).join(pick(6) === 0 ? '\n' : ' ')
      rows.push(text)
      const transformers = pick(5) === 0 ? [(s: string) => s.toUpperCase()] : []
      output.write(pick(3) === 0 ? pick(8) : 0, pick(14) - 1, text, {transformers})
    }
  }
}

describe('ink rows remembered across frames', () => {
  it('draw what ink draws, frame after frame', async () => {
    const file = outputFileOf(import.meta.resolve('ink'))
    const {default: Output} = (await import(file)) as {default: OutputClass}
    const helpers = await loadHelpers(file)
    expect(helpers).not.toBeNull()
    const original = Output.prototype.get
    const ours: {get: OutputLike['get']} = {get: original}
    patchGet(ours, helpers!)
    expect(ours.get).not.toBe(original)
    const pick = random(42)
    const rows: string[] = []
    for (let frame = 0; frame < 400; frame++) {
      const output = new Output({width: 20 + pick(40), height: 12})
      fill(output, pick, rows)
      const theirs = original.call(output)
      // Twice: built, then from the remembered rows.
      expect(ours.get.call(output)).toEqual(theirs)
      expect(ours.get.call(output)).toEqual(theirs)
    }
  })
})
