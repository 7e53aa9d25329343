// An append-only record of every spawn and exit, so that a daemon started
// after another one died (kill -9, OOM, an upgrade with --keep) knows which
// processes are its services and can adopt them, and which runs already
// ended (a completed oneshot is not run again by a takeover). Entries carry
// the kernel's boot id: after a reboot nothing is adopted and everything
// runs afresh. One small write per spawn keeps `mar up` of hundreds of
// instances fast; the file is compacted whenever a daemon starts.
//
// A write that fails (a full disk) loses nothing the daemon needs: the
// records live in memory (`latest`), the daemon is told once why they
// cannot be written, and the whole state is written again (compacted) as
// soon as it can be — tried at the next record and every few seconds.
import {closeSync, readFileSync, writeSync} from 'node:fs'
import {openPrivateAppend, readPrivate, writePrivateAtomic} from '../util/private-files.js'
import type {AdoptRecord} from '../supervisor/child.js'
import type {ExitInfo} from '../supervisor/errors.js'

export interface SpawnRecord extends AdoptRecord {
  stack: string
  instance: string
  restarts?: number
  /** Its readiness probe had passed: a daemon taking it over need not wait for the probe again. */
  ready?: boolean
}

type Entry =
  | ({t: 'spawn'; boot: string} & SpawnRecord)
  | {t: 'ready'; boot: string; stack: string; instance: string; runId: string}
  | {t: 'exit'; boot: string; stack: string; instance: string; runId: string; exit: ExitInfo; stopped?: boolean}

export const journalKey = (stack: string, instance: string) => `${stack}\u0000${instance}`

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return 'unknown'
  }
}

/** Past this many appended bytes the journal is rewritten to its live records (a crash loop adds 2 lines a restart). */
const COMPACT_BYTES = 1024 * 1024
/** While records cannot be written, how often writing them all is tried again. */
const RETRY_MS = 5000

export class Journal {
  private fd: number | null = null
  private readonly boot = bootId()
  /** The last run of each instance, as the file says — what compaction keeps. */
  private readonly latest = new Map<string, SpawnRecord>()
  private appended = 0
  /** Why records cannot be written now (null: they can). */
  private failing: string | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private lastRetry = 0

  /** `onProblem(why)` when records stop being written, `onProblem(null)` when they are written again. */
  constructor(
    private readonly path: string,
    private readonly onProblem: (why: string | null) => void = () => {},
  ) {}

  /** Why records cannot be written now, or null. */
  get problem(): string | null {
    return this.failing
  }

  private remember(entry: Entry): void {
    const key = journalKey(entry.stack, entry.instance)
    if (entry.t === 'spawn') {
      const {t: _t, boot: _boot, ...record} = entry
      this.latest.set(key, record)
      return
    }
    const record = this.latest.get(key)
    if (record?.runId !== entry.runId) return
    if (entry.t === 'ready') this.latest.set(key, {...record, ready: true})
    else if (entry.stopped) this.latest.delete(key)
    else this.latest.set(key, {...record, ended: entry.exit})
  }

  /** Replay the file: per instance, its last run of this boot — live (no exit yet) or ended. */
  load(): Map<string, SpawnRecord> {
    this.latest.clear()
    let text = ''
    try {
      text = readPrivate(this.path)
    } catch {
      return new Map()
    }
    for (const line of text.split('\n')) {
      if (!line) continue
      let entry: Entry
      try {
        entry = JSON.parse(line) as Entry
      } catch {
        continue // a line torn by a crash mid-write
      }
      // Entries without a boot id come from an older mar; their live records are
      // still checked against the process's start time before anything is adopted.
      if (entry.boot !== undefined && entry.boot !== this.boot) continue
      if (entry.boot === undefined && entry.t !== 'spawn') continue
      this.remember(entry)
    }
    return new Map(this.latest)
  }

  /** Rewrite the file with just these records (atomically); on failure they stay in memory and are written later. */
  compact(records: Iterable<SpawnRecord> = [...this.latest.values()]): void {
    this.close()
    this.appended = 0
    const kept = [...records]
    this.latest.clear()
    for (const record of kept) this.latest.set(journalKey(record.stack, record.instance), record)
    const lines: string[] = []
    for (const record of kept) {
      const {ended, ...spawn} = record
      lines.push(JSON.stringify({t: 'spawn', boot: this.boot, ...spawn}))
      if (ended) lines.push(JSON.stringify({t: 'exit', boot: this.boot, stack: record.stack, instance: record.instance, runId: record.runId, exit: ended}))
    }
    try {
      writePrivateAtomic(this.path, lines.length ? `${lines.join('\n')}\n` : '')
    } catch (error) {
      this.fail(error)
      return
    }
    if (this.failing) {
      this.failing = null
      if (this.retryTimer) clearInterval(this.retryTimer)
      this.retryTimer = null
      this.onProblem(null)
    }
  }

  private fail(error: unknown): void {
    this.close()
    if (this.failing) return
    const code = (error as NodeJS.ErrnoException).code
    this.failing = `${this.path}: ${code === 'ENOSPC' ? 'no space left on the device' : code === 'EDQUOT' ? 'disk quota exceeded' : (error as Error).message}`
    this.onProblem(this.failing)
    this.retryTimer = setInterval(() => this.compact(), RETRY_MS)
    this.retryTimer.unref()
  }

  spawned(record: SpawnRecord): void {
    this.append({t: 'spawn', boot: this.boot, ...record})
  }

  readied(stack: string, instance: string, runId: string): void {
    this.append({t: 'ready', boot: this.boot, stack, instance, runId})
  }

  exited(stack: string, instance: string, runId: string, exit: ExitInfo, stopped = false): void {
    this.append({t: 'exit', boot: this.boot, stack, instance, runId, exit, ...(stopped ? {stopped} : {})})
  }

  private append(entry: Entry): void {
    this.remember(entry)
    if (this.failing) {
      // A torn line may end the file: only a whole rewrite puts it right (at most once a second in a crash loop).
      if (Date.now() - this.lastRetry >= 1000) {
        this.lastRetry = Date.now()
        this.compact()
      }
      return
    }
    try {
      this.fd ??= openPrivateAppend(this.path)
      const line = `${JSON.stringify(entry)}\n`
      writeSync(this.fd, line)
      this.appended += line.length
    } catch (error) {
      this.fail(error)
      return
    }
    if (this.appended > COMPACT_BYTES) this.compact()
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }

  /** The daemon stops: no more retries (what could not be written stays unwritten). */
  dispose(): void {
    if (this.retryTimer) clearInterval(this.retryTimer)
    this.retryTimer = null
    this.close()
  }
}
