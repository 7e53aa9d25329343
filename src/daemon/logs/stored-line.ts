// A line as readers hand it out: raw bytes (any encoding, kept exact) and
// its time, decoded for display only at the edge.
import type {LineMatcher} from '../../util/user-pattern.js'
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

/**
 * Whether a line matches a user's pattern (src/util/user-pattern.ts; off
 * the event loop when costly: src/util/pattern-worker.ts). Readers call it
 * only when there is a pattern (`!grep || await matches(grep, …)`): awaiting
 * for every line would cost a turn of the microtask queue a line for nothing.
 */
export async function matches(grep: LineMatcher, bytes: Buffer): Promise<boolean> {
  return await grep.test(lineText(bytes))
}
