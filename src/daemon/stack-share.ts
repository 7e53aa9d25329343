// The hub's side of one stack's share on one host: it makes sure the host's
// daemon has the share's plan (an `up` that starts nothing — the proxies of
// remote-instance.ts start each instance when the hub's groups say so — or a
// reload of it), and it copies the host's output of the stack into the hub's
// own log stores, following from the last cursor it was given. After a
// reconnect it resumes after that cursor: no line is lost or repeated.
import {closeSync, writeSync} from 'node:fs'
import type {DaemonClient} from '../api/client.js'
import type {LogLine} from '../api/protocol.js'
import type {HostPlan, StackPlan} from '../config/types.js'
import type {HostLink} from '../remote/host-link.js'
import {shareOf} from '../remote/share.js'
import {allInstances} from '../config/types.js'
import {checkReportedCapacity} from '../remote/placement.js'
import {MarError} from '../util/errors.js'

export interface ShareDeps {
  link: HostLink
  host: HostPlan
  /** The hub's plan of the stack now (reload changes it). */
  plan(): StackPlan
  /** The raw files of an instance's log store in the hub, as a child's output would be written to them. */
  filesOf(instance: string): {stdout: number; stderr: number} | undefined
  /** The last log cursor taken in, kept across hub restarts. */
  cursor: {load(): string | undefined; save(cursor: string): void}
  log(message: string): void
}

export class StackShare {
  /** The share's plan as last sent, to tell whether the host needs it again. */
  private sent: string | null = null
  private deploying: Promise<DaemonClient | false> | null = null
  private following: {client: DaemonClient; cancel(): void} | null = null
  private pendingLines = new Map<string, {stdout: string[]; stderr: string[]}>()
  /** The hub's raw log files of each remote instance, open while the share is. */
  private readonly files = new Map<string, {stdout: number; stderr: number}>()
  private flushScheduled = false
  private readonly off: () => void
  private closed = false

  constructor(private readonly deps: ShareDeps) {
    this.off = deps.link.on((change) => {
      if (change.kind === 'synced') {
        // A fresh connection: the host may have restarted, or missed a reload.
        this.sent = null
        void this.deployed().catch((error: Error) => deps.log(`host ${deps.host.name}: ${error.message}`))
      }
      if (change.kind === 'state' && change.state !== 'up') this.following = null
    })
  }

  link(): HostLink {
    return this.deps.link
  }

  get stack(): string {
    return this.deps.plan().name
  }

  /** The host's daemon has the share's current plan, and its output is followed; false when `signal` aborts first. */
  async deployed(signal?: AbortSignal): Promise<DaemonClient | false> {
    const client = await this.deps.link.whenUp(signal)
    if (!client) return false
    if (this.sent !== null && this.sent === this.share().text && this.following?.client === client) return client
    this.deploying ??= this.deploy(client).finally(() => (this.deploying = null))
    return this.deploying
  }

  /** The share of the plan now, and its text, made once per plan (every proxy of a 500-instance share asks). */
  private made: {plan: StackPlan; share: StackPlan; text: string} | null = null

  private share(): {share: StackPlan; text: string} {
    const plan = this.deps.plan()
    if (this.made?.plan !== plan) {
      const share = shareOf(plan, this.deps.host)
      if (!share) throw new Error(`nothing of ${this.stack} is placed on host ${this.deps.host.name}`)
      this.made = {plan, share, text: JSON.stringify(share)}
    }
    return this.made
  }

  private async deploy(client: DaemonClient): Promise<DaemonClient> {
    const {share, text} = this.share()
    let from = this.deps.cursor.load()
    if (this.deps.link.hasStack(share.name)) {
      await client.call('reload', {plan: share, dryRun: false})
    } else {
      this.checkCapacity()
      // Nothing starts by itself: the hub starts each instance when its group may.
      const reply = await client.call('up', {plan: share, targets: [], held: allInstances(share).map((i) => i.name)})
      // Kept at once: a cut before the first line arrives must not lose that line.
      if (from === undefined) {
        from = reply.logsFrom
        this.deps.cursor.save(from)
      }
    }
    this.sent = text
    if (this.following?.client !== client) this.follow(client, from)
    return client
  }

  /**
   * A host without declared cpus/memory is held to what its agent reports
   * (cores, MemAvailable) when the stack first comes to it: instances that
   * would overcommit it are refused, naming what does not fit.
   */
  private checkCapacity(): void {
    const machine = this.deps.link.daemon?.machine
    if (!machine) return
    const failures = checkReportedCapacity(this.deps.plan(), {[this.deps.host.name]: {cpus: machine.cpus, memory: machine.memoryAvailable}})
    if (failures.length > 0) throw new MarError('remote-instance-failed', failures.map((f) => f.message).join('; '), {hint: `declare cpus/memory for host ${this.deps.host.name}, or lower resources`})
  }

  /** Copy the host's lines of this stack into the hub's stores, from `after` on. */
  private follow(client: DaemonClient, after: string | undefined): void {
    this.following?.cancel()
    const handle = client.stream(
      'logs',
      {stack: {name: this.stack}, targets: [], lines: 0, follow: true, ...(after ? {after} : {})},
      {item: (line: LogLine) => this.take(line)},
    )
    const following = {client, cancel: () => handle.cancel()}
    this.following = following
    handle.done.then(
      () => {},
      (error: Error) => {
        if (this.following === following) this.following = null
        if (!client.isClosed) this.deps.log(`host ${this.deps.host.name}: logs of ${this.stack}: ${error.message}`)
      },
    )
  }

  private take(line: LogLine): void {
    const pending = this.pendingLines.get(line.instance) ?? {stdout: [], stderr: []}
    this.pendingLines.set(line.instance, pending)
    pending[line.stream].push(line.line)
    this.lastCursor = line.cursor
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => this.flush())
    }
  }

  private lastCursor: string | undefined

  /** Write what came in since the last flush, then remember how far that was. */
  private flush(): void {
    this.flushScheduled = false
    for (const [instance, lines] of this.pendingLines) {
      let files = this.files.get(instance)
      if (!files) {
        files = this.deps.filesOf(instance)
        if (!files) continue
        this.files.set(instance, files)
      }
      for (const stream of ['stdout', 'stderr'] as const) {
        if (lines[stream].length > 0) writeAll(files[stream], lines[stream].join('\n') + '\n')
      }
    }
    this.pendingLines.clear()
    if (this.lastCursor) this.deps.cursor.save(this.lastCursor)
  }

  /** The hub stops this share: stop its instances on the host and forget it there (`keep`: leave them running). */
  async down(keep: boolean): Promise<'stopped' | 'kept' | 'unreachable'> {
    this.close()
    const client = this.deps.link.current()
    if (keep) return 'kept'
    if (!client) return 'unreachable'
    await client.call('down', {stack: {name: this.stack}, targets: []})
    return 'stopped'
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.off()
    this.following?.cancel()
    this.following = null
    this.flush()
    for (const {stdout, stderr} of this.files.values()) {
      closeSync(stdout)
      closeSync(stderr)
    }
    this.files.clear()
  }
}

function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text)
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at)
}
