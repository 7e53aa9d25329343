// A line as readers hand it out: raw bytes (any encoding, kept exact) and
// its time, decoded for display only at the edge.
import type {StreamName} from './layout.js'

export interface StoredLine {
  /** Epoch ms when the chunk holding the line's newline was read. */
  time: number
  stream: StreamName
  /** The line's bytes without its newline. */
  bytes: Buffer
  /** Cursor (global position) just after the line. */
  end: number
}

/** Text for display: UTF-8 with U+FFFD for invalid bytes, without a trailing CR. */
export function lineText(bytes: Buffer): string {
  const text = bytes.toString('utf8')
  return text.endsWith('\r') ? text.slice(0, -1) : text
}

export function matches(grep: RegExp | undefined, bytes: Buffer): boolean {
  if (!grep) return true
  grep.lastIndex = 0 // a /g or /y pattern must not carry state from the previous line
  return grep.test(lineText(bytes))
}
