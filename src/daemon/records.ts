// What the daemon writes down so that a later daemon can take over — the
// journal of runs and the stack files — and what it does when it cannot (a
// full disk): nothing is lost from memory, the daemon goes on supervising,
// `mar status` says so, and the records are written as soon as they can be.
import type {StackPlan} from '../config/types.js'
import type {StackStore} from './stack-store.js'

/** While a stack file cannot be saved, how often saving it is tried again. */
const RETRY_MS = 5000

export class Records {
  /** Why records cannot be written now, by kind (journal, stacks, home). */
  private readonly problems = new Map<string, string>()
  /** Stacks whose file waits to be saved, with what to save: the latest wins. */
  private readonly unsaved = new Map<string, {plan: StackPlan; held: string[]}>()
  /** Writes to try again, by kind: true once one succeeds. */
  private readonly retries = new Map<string, () => boolean>()
  private retry: NodeJS.Timeout | null = null

  constructor(
    private readonly store: StackStore | null,
    private readonly log: (message: string) => void,
  ) {}

  /** A kind of record cannot be written (`why`), or can again (null); `retry` writes it again (true: done). */
  problem(kind: string, why: string | null, retry?: () => boolean): void {
    const before = this.problems.get(kind)
    if (retry && why !== null) {
      this.retries.set(kind, retry)
      this.scheduleRetry()
    }
    if (why === null) {
      this.retries.delete(kind)
      if (before === undefined) return
      this.problems.delete(kind)
      this.log(`records written again (${kind})`)
      return
    }
    if (before === why) return
    this.problems.set(kind, why)
    this.log(`cannot write records (${why}); supervising from memory until they can be written`)
  }

  /** What a user must be told, in words. */
  warnings(): string[] {
    return [...this.problems.values()].map(
      (why) => `the daemon cannot write its records (${why}): it supervises every service from memory and writes them once it can; a daemon started before then may not take over what runs`,
    )
  }

  /** Save a stack's file; on failure it is saved again later, and the operation that asked goes on. */
  save(plan: StackPlan, held: string[]): void {
    if (!this.store) return
    try {
      this.store.save(plan, held)
      this.unsaved.delete(plan.name)
      if (this.unsaved.size === 0) this.problem('stacks', null)
    } catch (error) {
      this.unsaved.set(plan.name, {plan, held})
      const code = (error as NodeJS.ErrnoException).code
      this.problem('stacks', `${code === 'ENOSPC' ? 'no space left on the device' : code === 'EDQUOT' ? 'disk quota exceeded' : (error as Error).message}`)
      this.scheduleRetry()
    }
  }

  private scheduleRetry(): void {
    this.retry ??= setInterval(() => this.tryAgain(), RETRY_MS)
    this.retry.unref()
  }

  /** The stack left for good: no file, and nothing left to save of it. */
  remove(name: string): void {
    this.unsaved.delete(name)
    this.store?.remove(name)
  }

  private tryAgain(): void {
    for (const [, {plan, held}] of [...this.unsaved]) this.save(plan, held)
    for (const [kind, retry] of [...this.retries]) if (retry()) this.problem(kind, null)
    if (this.unsaved.size === 0 && this.retries.size === 0) this.dispose()
  }

  dispose(): void {
    if (this.retry) clearInterval(this.retry)
    this.retry = null
  }
}
