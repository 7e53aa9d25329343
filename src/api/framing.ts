// Newline-delimited JSON frames, safe against partial reads (a frame may
// arrive in many chunks, or many frames in one) and against hostile input:
// a frame longer than the limit or that is not JSON is an error, reported
// once; the caller closes the connection.
import {MAX_FRAME_BYTES} from './protocol.js'

export class FrameError extends Error {
  constructor(
    readonly code: 'frame-too-large' | 'bad-json',
    message: string,
  ) {
    super(message)
  }
}

export class FrameReader {
  private pending: Buffer[] = []
  private pendingBytes = 0
  private failed = false

  constructor(
    private readonly onFrame: (value: unknown) => void,
    private readonly onError: (error: FrameError) => void,
    private readonly maxBytes = MAX_FRAME_BYTES,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      start = nl + 1
      const line = this.pendingBytes > 0 ? Buffer.concat([...this.pending, piece]) : piece
      this.pending = []
      this.pendingBytes = 0
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
      this.pending.push(rest)
      this.pendingBytes += rest.length
      if (this.pendingBytes > this.maxBytes) this.fail(new FrameError('frame-too-large', `frame exceeds ${this.maxBytes} bytes`))
    }
  }

  private fail(error: FrameError): void {
    this.failed = true
    this.pending = []
    this.pendingBytes = 0
    this.onError(error)
  }
}

export function encodeFrame(value: unknown): string {
  return `${JSON.stringify(value)}\n`
}
