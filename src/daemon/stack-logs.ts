// The captured output of one stack's instances: a log store per instance,
// created on first use, opened and tailed right after its first spawn (or,
// for one with a log directory already, after the stack's spawns: output
// written while no daemon ran), closed when the instance goes away.
// Children write their raw files themselves, so a store may open after its
// program started: it reads the raw files from where it left off.
import {existsSync} from 'node:fs'
import type {InstancePlan, LogSpec} from '../config/types.js'
import type {LineBus, OutputLine} from '../supervisor/output.js'
import type {StoredChunk, StoredListener} from './logs/index.js'
import {instanceLogDir, type MarPaths} from './paths.js'

/** What the runtime needs of an instance's log store (src/daemon/logs). */
export interface InstanceLogStore {
  open(): Promise<void>
  openForChild(): {stdout: number; stderr: number}
  startTailing(pollMs?: number): void
  stopTailing(): void
  pump(): Promise<void>
  /** The program ended: hand a last line without its newline to the line listeners. */
  endLines(): void
  readonly bus: LineBus
  onStored(listener: StoredListener): () => void
  ends(): {stdout: number; stderr: number}
  close(): Promise<void>
}

export interface StackLogsDeps {
  paths: MarPaths
  createLogs(dir: string, spec: LogSpec): InstanceLogStore
  /** New output of an instance was stored, at [start, end). */
  onStored(instance: string, chunk: StoredChunk): void
  /** Every line of every instance as it is stored (foreground mode prints them); lines are split only when this is given. */
  onLine?(instance: string, line: OutputLine): void
  log(message: string): void
}

/** inotify wakes a tailer at once; the poll is only a safety net, and hundreds of instances polling often would cost the daemon real CPU. */
const TAIL_POLL_MS = 2000

export class StackLogs {
  private readonly stores = new Map<string, InstanceLogStore>()
  private readonly tailing = new Set<string>()

  constructor(
    private readonly stack: string,
    private readonly deps: StackLogsDeps,
  ) {}

  get(instance: string): InstanceLogStore | undefined {
    return this.stores.get(instance)
  }

  /** The instance's store, created on first use (not yet open). */
  store(instance: InstancePlan): InstanceLogStore {
    let store = this.stores.get(instance.name)
    if (!store) {
      store = this.deps.createLogs(instanceLogDir(this.deps.paths, this.stack, instance.name), instance.log)
      store.onStored((chunk) => this.deps.onStored(instance.name, chunk))
      const {onLine} = this.deps
      if (onLine) store.bus.subscribe((line) => onLine(instance.name, line))
      this.stores.set(instance.name, store)
    }
    return store
  }

  /**
   * The raw files for a spawn, at once; the store opens right after the
   * spawn, so 200 instances start without waiting for 200 stores.
   */
  filesForSpawn(instance: InstancePlan): {stdout: number; stderr: number} {
    const store = this.store(instance)
    const files = store.openForChild()
    setImmediate(() => {
      // Unless the instance's store was closed (the stack stopped) in between.
      if (this.stores.get(instance.name) === store) this.openInBackground(instance)
    })
    return files
  }

  /**
   * Stores of instances that have a log directory may hold output no daemon
   * stored yet (written while none ran): catch up on it, in the background.
   * A new child appends to the same raw files, so nothing is stored out of order.
   */
  catchUp(instances: InstancePlan[]): void {
    const existing = instances.filter((i) => existsSync(instanceLogDir(this.deps.paths, this.stack, i.name)))
    for (const instance of existing) this.openInBackground(instance)
  }

  private openInBackground(instance: InstancePlan): void {
    if (this.tailing.has(instance.name)) return
    this.open(instance).catch((error: Error) => this.deps.log(`logs of ${instance.name}: ${error.message}`))
  }

  /** Open the instance's store (idempotent) and follow its raw files. */
  async open(instance: InstancePlan): Promise<InstanceLogStore> {
    const store = this.store(instance)
    if (!this.tailing.has(instance.name)) {
      await store.open()
      // Closed while it opened (the instance went away): tailing it, or
      // marking the name as tailed, would leave a later store of that name unread.
      if (this.stores.get(instance.name) !== store) return store
      if (!this.tailing.has(instance.name)) store.startTailing(TAIL_POLL_MS)
      this.tailing.add(instance.name)
    }
    return store
  }

  /** Store what is left of these instances' output and close their stores. */
  async close(names: Iterable<string>): Promise<void> {
    await Promise.all(
      [...names].map(async (name) => {
        const store = this.stores.get(name)
        if (!store) return
        this.stores.delete(name)
        this.tailing.delete(name)
        await store.pump().catch(() => {})
        store.stopTailing()
        await store.close()
      }),
    )
  }

  closeAll(): Promise<void> {
    return this.close([...this.stores.keys()])
  }
}
