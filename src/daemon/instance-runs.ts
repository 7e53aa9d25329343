// The runs of one stack's instances as the journal knows them: processes a
// previous daemon left running (to be taken over, each once), and for every
// run of ours its spawn, readiness and exit recorded, so that a later daemon
// can take it over in turn. Owned by the stack's runtime.
import type {AdoptRecord} from '../supervisor/child.js'
import type {ExitInfo} from '../supervisor/errors.js'
import {isRunning} from '../supervisor/proc.js'
import {killRecords} from './instance-ops.js'
import type {Journal, SpawnRecord} from './journal.js'

export class InstanceRuns {
  /** Cgroup of each running instance, for usage sampling. */
  private readonly cgroups = new Map<string, string | undefined>()
  /** The current run of each instance, for the journal's ready records. */
  private readonly runIds = new Map<string, string>()

  constructor(
    private readonly stack: () => string,
    private readonly journal: Journal,
    private readonly log: (message: string) => void,
    /** Processes a previous daemon left running, by instance name. */
    private readonly adoption: Map<string, SpawnRecord> = new Map(),
  ) {}

  /** What a previous daemon recorded of this instance's last run, once (its process may be gone since). */
  take(instance: string): SpawnRecord | undefined {
    const record = this.adoption.get(instance)
    this.adoption.delete(instance)
    return record
  }

  /** A previous daemon left this instance's process running (not just a record of it). */
  leftRunning(instance: string): boolean {
    const record = this.adoption.get(instance)
    return record !== undefined && !record.ended && isRunning(record.pid, record.startTime)
  }

  /** That process had passed its readiness probe: it is ready as it is. */
  wasReady(instance: string): boolean {
    const record = this.adoption.get(instance)
    return Boolean(record?.ready && !record.ended && isRunning(record.pid, record.startTime))
  }

  spawned(instance: string, record: AdoptRecord, restarts: number): void {
    this.cgroups.set(instance, record.cgroupPath)
    this.runIds.set(instance, record.runId)
    this.journaled(() => this.journal.spawned({...record, stack: this.stack(), instance, restarts}))
  }

  readied(instance: string): void {
    const runId = this.runIds.get(instance)
    if (runId) this.journaled(() => this.journal.readied(this.stack(), instance, runId))
  }

  exited(instance: string, record: AdoptRecord, exit: ExitInfo, stopped: boolean): void {
    this.cgroups.delete(instance)
    this.journaled(() => this.journal.exited(this.stack(), instance, record.runId, exit, stopped))
  }

  cgroupOf(instance: string): string | undefined {
    return this.cgroups.get(instance)
  }

  /** The stack stops: processes of a previous daemon no instance took over yet would outlive it. */
  killUntaken(): void {
    killRecords([...this.adoption.values()].filter((record) => !record.ended))
    this.adoption.clear()
  }

  /** Journal writes can fail (a full disk): the services run on; only a later takeover may miss them. */
  private journaled(write: () => void): void {
    try {
      write()
    } catch (error) {
      this.log(`journal: ${(error as Error).message}; a later daemon may not take this instance over`)
    }
  }
}
