// Live progress of `mar up`: on a terminal, a block of one line per
// instance redrawn in place; elsewhere (CI logs, pipes), one line per state
// change, so the output reads as a log.
import {shownName} from '../api/targets.js'
import {describeReason} from '../api/describe.js'
import type {InstanceInfo} from '../api/protocol.js'
import type {ColorName, Paint} from '../util/colors.js'

const mark: Record<string, [string, ColorName]> = {
  ready: ['✓', 'green'],
  running: ['✓', 'green'],
  exited: ['✓', 'green'],
  crashed: ['✗', 'red'],
  failed: ['✗', 'red'],
  unhealthy: ['✗', 'red'],
  backoff: ['↻', 'yellow'],
}

export class UpProgress {
  private readonly states = new Map<string, InstanceInfo>()
  private drawn = 0
  private timer: NodeJS.Timeout | null = null
  private readonly width: number
  private readonly live: boolean

  constructor(
    private readonly names: string[],
    private readonly paint: Paint,
    tty: boolean,
    private readonly out: NodeJS.WriteStream,
  ) {
    this.width = Math.max(0, ...names.map((n) => n.length))
    // A block taller than the screen cannot be redrawn in place.
    this.live = tty && names.length < (out.rows ?? 24) - 2
  }

  private line(name: string): string {
    const json = this.states.get(name)
    const state = json?.state ?? 'pending'
    const [symbol, color] = mark[state] ?? ['…', 'gray']
    const detail = json?.pid ? `pid ${json.pid}` : ''
    const why = json ? describeReason(json) : null
    const reason = why && ['backoff', 'crashed', 'failed', 'unhealthy'].includes(state) ? ` ${why}` : ''
    // `web.2@h1` once the daemon said where it runs.
    const shown = (n: string) => shownName(n, this.states.get(n)?.host)
    const width = Math.max(this.width, ...this.names.map((n) => shown(n).length))
    return `${this.paint(color, symbol)} ${shown(name).padEnd(width)}  ${this.paint(color, state.padEnd(9))} ${this.paint('gray', `${detail}${reason}`)}`
  }

  update(json: InstanceInfo): void {
    if (!this.names.includes(json.name)) return
    const before = this.states.get(json.name)
    this.states.set(json.name, json)
    if (!this.live) {
      if (before?.state !== json.state) this.out.write(`${this.line(json.name)}\n`)
      return
    }
    this.timer ??= setTimeout(() => this.draw(), 50)
  }

  private draw(): void {
    this.timer = null
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : ''
    this.out.write(up + this.names.map((n) => `\x1b[2K${this.line(n)}\n`).join(''))
    this.drawn = this.names.length
  }

  finish(): void {
    if (this.timer) clearTimeout(this.timer)
    if (this.live) this.draw()
  }
}
