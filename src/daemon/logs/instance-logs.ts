// One instance's captured output. The child writes its spool files itself
// (O_APPEND descriptors given at spawn), so it never blocks on mar nor dies
// of SIGPIPE when the daemon does, and nothing is lost while no daemon runs;
// this class tails the spools, copies them into plain rotated log files with
// a time index, and tells listeners.
import {closeSync, constants, fstatSync, mkdirSync, openSync} from 'node:fs'
import {LineBus, LineSplitter} from '../../supervisor/output.js'
import {defaultSpoolDir, spoolPath, STREAMS, type StreamName} from './layout.js'
import {SpoolReclaimer} from './spool-reclaim.js'
import {COLLAPSE_IDLE_MS, Spool} from './spool.js'
import {migrateOldLayout} from './migrate.js'
import {SegmentStore} from './segment-store.js'
import {StreamPump} from './stream-pump.js'
import {Tailer} from './tailer.js'
import {StampClock} from './stamp-clock.js'

export interface LogOptions {
  /** Rotate the current segment at the first line end past this many bytes. */
  maxSize: number
  /** Rotated segments to keep. */
  keep: number
  /** The daemon's one clock of stamps (all its stores share it, so all its output has one order). */
  stamps?: StampClock
  /** Without `stamps`: the time source of this store's own stamps (tests). */
  now?: () => number
  /** Told when a background pump (tailing) fails; it is retried at the next poll. */
  onError?: (error: Error) => void
  /** Where the spools go (the daemon: MAR_HOME/spool/STACK/INSTANCE, outside what users grep); default beside the log directory, hidden. */
  spoolDir?: string
  /** The fallocate command (tests: a fake that refuses collapse). */
  fallocate?: string
}

/** After each stored chunk: its stream and where it began and ended (global positions). */
/** A chunk of output just stored: its stream, where it sits in the stream's history, and its stamp. */
export interface StoredChunk {
  stream: StreamName
  start: number
  end: number
  stamp: number
}

export type StoredListener = (chunk: StoredChunk) => void

const OPEN_APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW

export class InstanceLogs {
  /** Lines as they are stored, split only while someone listens (the `log:` readiness probe). */
  readonly bus = new LineBus()
  private readonly pumps: Record<StreamName, StreamPump>
  private readonly storedListeners = new Set<StoredListener>()
  private readonly splitters = new Map<StreamName, {splitter: LineSplitter; skipping: boolean}>()
  /** Streams whose next bytes begin a line whatever came before (a new program, or the last one ended). */
  private readonly freshLine = new Set<StreamName>()
  private chunkTime = 0
  private opening: Promise<void> | undefined
  private running: Promise<void> | undefined
  private again = false
  private tailer: Tailer | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private closed = false
  /** openForChild created the directory: nothing to recover from it. */
  private madeDir = false
  readonly spoolDir: string

  constructor(
    readonly dir: string,
    private readonly options: LogOptions,
  ) {
    this.spoolDir = options.spoolDir ?? defaultSpoolDir(dir)
    const reclaimer = new SpoolReclaimer(options.fallocate)
    const stamps = options.stamps ?? new StampClock(options.now)
    const make = (stream: StreamName) => {
      const store = new SegmentStore(dir, stream, {maxSize: options.maxSize, keep: options.keep})
      const spool = new Spool(this.spoolDir, stream, reclaimer, options.maxSize)
      const pump: StreamPump = new StreamPump(stream, store, spool, stamps, {
        wantsBytes: () => this.bus.hasListeners,
        bytes: (block, time, atLine) => this.guarded(() => this.publishLines(stream, block, time, atLine)),
        stored: ({start, end, timeMs}) => this.stored({stream, start, end, stamp: timeMs}),
      })
      return pump
    }
    this.pumps = {stdout: make('stdout'), stderr: make('stderr')}
  }

  /** Create the directory (0700) and recover positions from disk. Idempotent. */
  open(): Promise<void> {
    this.closed = false
    this.opening ??= (async () => {
      // mkdir says whether it created the directory: a new one has nothing to
      // recover. Synchronous: one cheap call, and no wait in the thread pool.
      const fresh = mkdirSync(this.dir, {recursive: true, mode: 0o700}) !== undefined || this.madeDir
      this.madeDir = false
      this.prepareSpoolDir()
      await Promise.all(STREAMS.map((stream) => this.pumps[stream].open(fresh)))
    })().catch((error: unknown) => {
      this.opening = undefined
      throw error
    })
    return this.opening
  }

  /** O_APPEND descriptors of the spools for a new spawn; the caller closes them after spawn. */
  openForChild(): {stdout: number; stderr: number} {
    // A new program's first bytes begin its first line, whatever an earlier one left unfinished.
    this.endLines()
    // The first spawn may come before open(): then the directory is new here, and open() must know.
    if (mkdirSync(this.dir, {recursive: true, mode: 0o700}) !== undefined) this.madeDir = true
    this.prepareSpoolDir()
    const fds: number[] = []
    try {
      for (const stream of STREAMS) {
        const fd = openSync(spoolPath(this.spoolDir, stream), OPEN_APPEND, 0o600)
        fds.push(fd)
        this.pumps[stream].noticeChildFile(fstatSync(fd).ino)
      }
    } catch (error) {
      for (const fd of fds) closeSync(fd)
      throw error
    }
    return {stdout: fds[0]!, stderr: fds[1]!}
  }

  /** Store whatever was written before this call; concurrent calls share the work. */
  pump(): Promise<void> {
    if (this.closed) return Promise.resolve()
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.pumpRounds()
    return this.running
  }

  /** Whether a spool holds bytes not yet copied (one fstat per stream, no I/O wait). */
  hasNew(): boolean {
    return STREAMS.some((stream) => this.pumps[stream].hasNew())
  }

  /** Follow the spools: fs.watch on their directory plus a safety poll. */
  startTailing(pollMs = 500): void {
    this.tailer ??= new Tailer(
      this.spoolDir,
      pollMs,
      {
        pumpOnce: async () => {
          const before = this.ends()
          await this.pump()
          const after = this.ends()
          return after.stdout - before.stdout + (after.stderr - before.stderr)
        },
        hasNew: () => this.hasNew(),
        onError: (error) => this.options.onError?.(error),
      },
    )
  }

  stopTailing(): void {
    this.tailer?.stop()
    this.tailer = undefined
  }

  /** Called after each stored chunk with the stream and its new end cursor. */
  onStored(listener: StoredListener): () => void {
    this.storedListeners.add(listener)
    return () => this.storedListeners.delete(listener)
  }

  /** Current end cursor (global position) of each stream. */
  ends(): {stdout: number; stderr: number} {
    return {stdout: this.pumps.stdout.store.end, stderr: this.pumps.stderr.store.end}
  }

  /** Stop tailing and close the files; a pump after this does nothing (open() again to resume). */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    this.stopTailing()
    await this.running?.catch(() => {})
    await this.opening?.catch(() => {})
    this.opening = undefined
    await Promise.all(STREAMS.map((stream) => this.pumps[stream].close()))
    this.endLines()
  }

  /** The program has ended: a last line without its newline goes to the line listeners as it is. */
  endLines(): void {
    for (const {splitter, skipping} of this.splitters.values()) if (!skipping) this.guarded(() => splitter.end())
    this.splitters.clear()
    for (const stream of STREAMS) this.freshLine.add(stream)
  }

  /** A log directory of the layout before spools has its old logs moved into the spools first (migrate.ts). */
  private prepareSpoolDir(): void {
    migrateOldLayout(this.dir, this.spoolDir)
    mkdirSync(this.spoolDir, {recursive: true, mode: 0o700})
  }

  private async pumpRounds(): Promise<void> {
    try {
      await this.open()
      do {
        this.again = false
        // Only streams with new bytes (an fstat is much cheaper than a read that finds nothing), or an idle spool to collapse.
        const due = STREAMS.filter((stream) => this.pumps[stream].hasNew() || this.pumps[stream].reclaimDue())
        await Promise.all(due.map((stream) => this.pumps[stream].pump()))
      } while (this.again)
      this.armIdleReclaim()
    } finally {
      // Synchronously with the last check of `again`: a pump() after this starts a new round.
      this.running = undefined
    }
  }

  /** Look again once the streams may be idle: their spools are collapsed then (spool.ts). */
  private armIdleReclaim(): void {
    if (this.idleTimer || this.closed || !STREAMS.some((stream) => this.pumps[stream].waitsForIdle())) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      this.pump().catch((error: unknown) => this.options.onError?.(error as Error))
    }, COLLAPSE_IDLE_MS + 50)
    this.idleTimer.unref()
  }

  private stored(chunk: StoredChunk): void {
    const {stream} = chunk
    if (!this.bus.hasListeners) this.splitters.delete(stream)
    // The bytes are indexed already: a listener that throws must not stop the pump or the others.
    for (const listener of this.storedListeners) this.guarded(() => listener(chunk))
  }

  private guarded(call: () => void): void {
    try {
      call()
    } catch (error) {
      this.options.onError?.(error as Error)
    }
  }

  /** Split only while someone listens; a listener that arrives mid-line starts at the next line. */
  private publishLines(stream: StreamName, chunk: Buffer, time: number, startedAtLine: boolean): void {
    let state = this.splitters.get(stream)
    if (!state) {
      const splitter = new LineSplitter((line) => this.bus.publish({stream, line, time: this.chunkTime}))
      state = {splitter, skipping: !startedAtLine && !this.freshLine.has(stream)}
      this.splitters.set(stream, state)
      this.freshLine.delete(stream)
    }
    let data = chunk
    if (state.skipping) {
      const newline = chunk.indexOf(10)
      if (newline === -1) return
      data = chunk.subarray(newline + 1)
      state.skipping = false
    }
    this.chunkTime = time
    state.splitter.push(data)
  }
}
