// Newline-delimited JSON frames, safe against partial reads (a frame may
// arrive in many chunks, or many frames in one) and against hostile input:
// a frame longer than the limit or that is not JSON is an error, reported
// once; the caller closes the connection.
import {MAX_FRAME_BYTES} from './protocol.js'

export class FrameError extends Error {
  constructor(
    readonly code: 'frame-too-large' | 'bad-json' | 'busy',
    message: string,
  ) {
    super(message)
  }
}

/**
 * Bytes of unfinished frames held across all of a server's connections: one
 * connection may send a large frame, but ten at once must not take the
 * daemon's memory with them.
 */
export class FrameBudget {
  private held = 0

  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false
    this.held += bytes
    return true
  }

  give(bytes: number): void {
    this.held = Math.max(0, this.held - bytes)
  }

  get inUse(): number {
    return this.held
  }
}

const unlimited = new FrameBudget(Number.POSITIVE_INFINITY)

export class FrameReader {
  private pending: Buffer[] = []
  private pendingBytes = 0
  private failed = false

  constructor(
    private readonly onFrame: (value: unknown) => void,
    private readonly onError: (error: FrameError) => void,
    private readonly maxBytes = MAX_FRAME_BYTES,
    private readonly budget: FrameBudget = unlimited,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      start = nl + 1
      const line = this.pendingBytes > 0 ? Buffer.concat([...this.pending, piece]) : piece
      this.release()
      if (line.length > this.maxBytes) return this.fail(new FrameError('frame-too-large', `frame of ${line.length} bytes exceeds ${this.maxBytes}`))
      if (line.length === 0 || (line.length === 1 && line[0] === 13)) continue
      let value: unknown
      try {
        value = JSON.parse(line.toString('utf8'))
      } catch {
        return this.fail(new FrameError('bad-json', 'frame is not valid JSON'))
      }
      this.onFrame(value)
      if (this.failed) return
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start)
      if (this.pendingBytes + rest.length > this.maxBytes) return this.fail(new FrameError('frame-too-large', `frame exceeds ${this.maxBytes} bytes`))
      if (!this.budget.take(rest.length)) return this.fail(new FrameError('busy', `the daemon holds ${this.budget.limit} bytes of unfinished requests already; send smaller ones, or fewer at once`))
      // A copy: a slice would keep the whole chunk it came from alive.
      this.pending.push(Buffer.from(rest))
      this.pendingBytes += rest.length
    }
  }

  /** Forget the unfinished frame (and give its bytes back to the budget), e.g. when the connection closes. */
  release(): void {
    this.budget.give(this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
  }

  private fail(error: FrameError): void {
    this.failed = true
    this.release()
    this.onError(error)
  }
}

export function encodeFrame(value: unknown): string {
  return `${JSON.stringify(value)}\n`
}
