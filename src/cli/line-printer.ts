// Prefixed, aligned, colored output lines (`web.1 | …`), as foreman prints
// them. Lines are batched into one write per event-loop turn: thousands of
// lines a second cost one syscall each turn, not one per line, and a line
// is always written whole, so two instances' lines never splice.
import type {Paint} from '../util/colors.js'
import {programLinesFor} from '../util/terminal-text.js'

export class LinePrinter {
  private pending: string[] = []
  private scheduled = false
  private readonly width: number
  /** On a terminal a program's escape sequences other than colors are shown, not obeyed (src/util/terminal-text.ts); a pipe gets them as they are. */
  private readonly shown: (line: string) => string

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly paint: Paint,
    names: readonly string[],
  ) {
    this.width = Math.max(3, ...names.map((n) => n.length))
    this.shown = programLinesFor(stream)
    stream.on('error', () => {}) // a closed pipe (mar up -f | head) must not crash mar
  }

  prefix(name: string, runner: string): string {
    return this.paint.runner(runner, `${name.padEnd(this.width)} |`)
  }

  line(name: string, runner: string, text: string): void {
    this.pending.push(`${this.prefix(name, runner)} ${this.shown(text)}\n`)
    this.schedule()
  }

  /** mar's own remarks about an instance, dimmed so they stand apart from program output. */
  note(name: string, runner: string, text: string, color: 'dim' | 'red' | 'yellow' | 'green' = 'dim'): void {
    this.pending.push(`${this.prefix(name, runner)} ${this.paint(color, text)}\n`)
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.flush())
  }

  flush(): void {
    this.scheduled = false
    if (this.pending.length === 0) return
    const text = this.pending.join('')
    this.pending = []
    this.stream.write(text)
  }

  /** Resolves once everything written so far has reached the OS. */
  drain(): Promise<void> {
    this.flush()
    return new Promise((resolve) => this.stream.write('', () => resolve()))
  }
}
