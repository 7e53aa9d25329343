// Every operation on a stack — up, reload, down, start, stop, restart,
// signal — passes through that stack's one queue, under one rule
// (README, "Architecture: the concurrency rule"):
//
//   1. An operation names the instances it touches; up, reload and down
//      touch the whole stack.
//   2. It starts once every earlier operation that touches any of the same
//      instances has finished. Operations on different instances interleave.
//      A whole-stack operation waits for everything before it, and
//      everything after it waits for it.
//   3. A stop or down does not queue behind a wait: it cancels the earlier
//      operations on its instances (a start or restart waiting for
//      readiness ends with `cancelled`), then takes its turn as in 2.
//
// The queue only orders; it knows nothing of what operations do.
import {MarError} from '../util/errors.js'

/** The instances an operation touches, or the whole stack. */
export type Footprint = 'stack' | ReadonlySet<string>

interface Operation {
  footprint: Footprint
  /** Aborted when a later stop or down cancels this operation. */
  cancel: AbortController
  finished: Promise<void>
}

export interface RunOptions {
  /** Rule 3: cancel earlier operations on the same instances instead of waiting for them to finish on their own. */
  preempt?: boolean
  /** Says who cancelled, in the error the cancelled operations end with. */
  label?: string
}

function overlaps(a: Footprint, b: Footprint): boolean {
  if (a === 'stack' || b === 'stack') return true
  for (const name of a) if (b.has(name)) return true
  return false
}

export class OperationQueue {
  /** Unfinished operations, oldest first. */
  private readonly operations: Operation[] = []

  /**
   * Run `work` under the rule. It gets a signal that aborts when a later
   * stop or down cancels it; long waits (for readiness) should end on it.
   */
  async run<T>(footprint: Footprint, work: (signal: AbortSignal) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const earlier = this.operations.filter((op) => overlaps(op.footprint, footprint))
    let finish!: () => void
    const operation: Operation = {footprint, cancel: new AbortController(), finished: new Promise((resolve) => (finish = resolve))}
    this.operations.push(operation)
    if (options.preempt) {
      const why = new MarError('cancelled', `cancelled by ${options.label ?? 'a later operation'}`)
      for (const op of earlier) op.cancel.abort(why)
    }
    try {
      await Promise.all(earlier.map((op) => op.finished))
      return await work(operation.cancel.signal)
    } finally {
      this.operations.splice(this.operations.indexOf(operation), 1)
      finish()
    }
  }

  /** Resolves once every operation queued so far has finished. */
  async idle(): Promise<void> {
    await Promise.all(this.operations.map((op) => op.finished))
  }

  get size(): number {
    return this.operations.length
  }
}

/** Throw the reason a signal was aborted with (a `cancelled` MarError) if it was. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new MarError('cancelled', 'cancelled')
}
