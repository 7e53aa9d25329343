// Where an instance's stdout and stderr go. In the foreground they are pipes
// that mar splits into lines; under the daemon they are files the kernel
// writes directly (so output survives the daemon) and the daemon tails them.
// Either way, lines reach subscribers (the printer, the log probe) through
// a LineBus, so probes do not care which mode is in use.
import {StringDecoder} from 'node:string_decoder'

export type OutputStream = 'stdout' | 'stderr'

export interface OutputLine {
  stream: OutputStream
  line: string
  time: number
}

export type LineListener = (line: OutputLine) => void

export class LineBus {
  private readonly listeners = new Set<LineListener>()

  subscribe(listener: LineListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0
  }

  publish(line: OutputLine): void {
    for (const listener of this.listeners) listener(line)
  }
}

export type OutputTarget =
  /** Pipes: exec splits lines and publishes them on `bus`. */
  | {kind: 'pipe'; bus: LineBus}
  /** File descriptors the child writes to directly; exec closes its copies after spawn. */
  | {kind: 'files'; open(): {stdout: number; stderr: number} | Promise<{stdout: number; stderr: number}>}
  | {kind: 'ignore'}

/**
 * Splits a byte stream into lines: never splices two lines, keeps a UTF-8
 * character whole across chunks, and hands out a final line that has no
 * newline when the stream ends.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private partial = ''

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk)
    let start = 0
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      this.onLine(text.slice(start, end))
      start = nl + 1
    }
    this.partial = text.slice(start)
  }

  end(): void {
    const rest = this.partial + this.decoder.end()
    this.partial = ''
    if (rest.length > 0) this.onLine(rest)
  }
}
