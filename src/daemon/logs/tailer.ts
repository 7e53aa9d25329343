// When to pump: on a change notice from fs.watch on the log directory, and
// from a safety poll (a notice can be missed, e.g. on network file systems)
// that only pumps when an fstat shows new bytes, so idle instances cost a
// syscall per poll and no I/O.
import {watch, type FSWatcher} from 'node:fs'

export interface TailTarget {
  pump(): Promise<void>
  hasNew(): boolean
  onError(error: Error): void
}

export class Tailer {
  private watcher: FSWatcher | undefined
  private readonly poll: NodeJS.Timeout

  constructor(dir: string, pollMs: number, private readonly target: TailTarget) {
    try {
      this.watcher = watch(dir, {persistent: false}, (_event, name) => {
        if (name === null || name.endsWith('.raw')) this.kick()
      })
      this.watcher.on('error', () => this.closeWatcher())
    } catch {
      this.watcher = undefined // the poll alone then
    }
    this.poll = setInterval(() => this.check(), pollMs)
    this.poll.unref()
    this.check()
  }

  stop(): void {
    clearInterval(this.poll)
    this.closeWatcher()
  }

  private check(): void {
    try {
      if (this.target.hasNew()) this.kick()
    } catch (error) {
      this.target.onError(error as Error)
    }
  }

  private kick(): void {
    this.target.pump().catch((error: unknown) => this.target.onError(error as Error))
  }

  private closeWatcher(): void {
    this.watcher?.close()
    this.watcher = undefined
  }
}
