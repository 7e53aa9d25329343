// Terminal colors without a dependency: a handful of ANSI codes, and a
// stable color per runner (a hash of its name, so it does not change when
// runners are added or reordered).

const palette = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94] // cyan yellow green magenta blue, then bright
const codes = {red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2} as const
export type ColorName = keyof typeof codes

export interface Paint {
  (color: ColorName, text: string): string
  enabled: boolean
  runner(runner: string, text: string): string
}

export function colorIndex(name: string): number {
  let hash = 0
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0
  return hash % palette.length
}

export function createPaint(enabled: boolean): Paint {
  const paint = ((color: ColorName, text: string) => (enabled ? `\x1b[${codes[color]}m${text}\x1b[0m` : text)) as Paint
  paint.enabled = enabled
  paint.runner = (runner, text) => (enabled ? `\x1b[${palette[colorIndex(runner)]}m${text}\x1b[0m` : text)
  return paint
}

/** Colors for a stream: --color/--no-color win, then NO_COLOR / FORCE_COLOR, then whether it is a TTY. */
export function shouldColor(flag: boolean | undefined, stream: {isTTY?: boolean}): boolean {
  if (flag !== undefined) return flag
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}
