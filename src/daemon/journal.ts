// An append-only record of every spawn and exit, so that a daemon started
// after another one died (kill -9, OOM, an upgrade with --keep) knows which
// processes are its services and can adopt them, and which runs already
// ended (a completed oneshot is not run again by a takeover). Entries carry
// the kernel's boot id: after a reboot nothing is adopted and everything
// runs afresh. One small write per spawn keeps `mar up` of hundreds of
// instances fast; the file is compacted whenever a daemon starts.
import {closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync} from 'node:fs'
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

export class Journal {
  private fd: number | null = null
  private readonly boot = bootId()

  constructor(private readonly path: string) {}

  /** Replay the file: per instance, its last run of this boot — live (no exit yet) or ended. */
  load(): Map<string, SpawnRecord> {
    const last = new Map<string, SpawnRecord>()
    let text = ''
    try {
      text = readFileSync(this.path, 'utf8')
    } catch {
      return last
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
      if (entry.boot === undefined && entry.t === 'exit') continue
      const key = journalKey(entry.stack, entry.instance)
      if (entry.t === 'spawn') {
        const {t: _t, boot: _boot, ...record} = entry
        last.set(key, record)
      } else if (entry.t === 'ready') {
        const record = last.get(key)
        if (record?.runId === entry.runId) last.set(key, {...record, ready: true})
      } else {
        const record = last.get(key)
        // A run mar stopped on purpose simply starts again; one that ended on its own is remembered.
        if (record?.runId === entry.runId) {
          if (entry.stopped) last.delete(key)
          else last.set(key, {...record, ended: entry.exit})
        }
      }
    }
    return last
  }

  /** Rewrite the file with just these records (atomically). */
  compact(records: Iterable<SpawnRecord>): void {
    this.close()
    const lines: string[] = []
    for (const record of records) {
      const {ended, ...spawn} = record
      lines.push(JSON.stringify({t: 'spawn', boot: this.boot, ...spawn}))
      if (ended) lines.push(JSON.stringify({t: 'exit', boot: this.boot, stack: record.stack, instance: record.instance, runId: record.runId, exit: ended}))
    }
    writeFileSync(`${this.path}.tmp`, lines.length ? `${lines.join('\n')}\n` : '', {mode: 0o600})
    renameSync(`${this.path}.tmp`, this.path)
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
    this.fd ??= openSync(this.path, 'a', 0o600)
    writeSync(this.fd, `${JSON.stringify(entry)}\n`)
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }
}
