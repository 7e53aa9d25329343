// The hub's links to remote hosts, one per host (shared by every stack that
// places instances there), with what must happen once an unreachable host is
// back (a stop or a `down` asked for while it was away), and where each
// share's log cursor is kept so that a new hub resumes where the last one was.
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import type {DaemonClient} from '../api/client.js'
import type {HostPlan, StackPlan} from '../config/types.js'
import {HostLink, type Dial} from '../remote/host-link.js'
import {realClock, type Clock} from '../supervisor/clock.js'
import {readPrivate, writePrivateAtomic} from '../util/private-files.js'
import {safeName} from './paths.js'
import type {RemoteHostView} from './host-info.js'

/** How the hub reaches a host: over ssh in the daemon, an in-process daemon in tests. */
export type DialHost = (host: HostPlan, plan: StackPlan) => Dial

/** A cursor is saved at most this often while lines flow (and when a share closes). */
const CURSOR_SAVE_MS = 250

export class HostLinks {
  private readonly links = new Map<string, HostLink>()
  /** How many stacks use each link: one nobody uses (and nothing waits on) is closed. */
  private readonly users = new Map<HostLink, number>()
  private readonly whenBack = new Map<HostLink, Array<(client: DaemonClient) => Promise<unknown>>>()
  private readonly cursors = new Map<string, {value: string; saved: boolean}>()
  private cursorTimer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly dial: DialHost,
    /** MAR_HOME/remote: one file per share with its last log cursor. */
    private readonly cursorDir: string | null,
    private readonly clock: Clock = realClock,
    private readonly log: (message: string) => void = () => {},
    /** A host's link changed state (watchers get a `host` event). */
    private readonly onHostChange: (host: string) => void = () => {},
  ) {}

  /** What `status` shows of a host: its link's state, latency and what its agent reported (host-info.ts). */
  view(name: string): RemoteHostView | undefined {
    const link = [...this.links.values()].find((l) => l.name === name)
    if (!link) return undefined
    const info = link.daemon
    return {state: link.state, reason: link.reason, latencyMs: link.latencyMs, version: info?.version ?? null, machine: info?.machine ?? null, since: new Date(link.since).toISOString()}
  }

  /** The link to a host (started on first use). */
  link(host: HostPlan, plan: StackPlan): HostLink {
    const key = JSON.stringify([host.name, host.ssh ?? null, plan.sshConfig ?? null])
    let link = this.links.get(key)
    if (!link) {
      link = new HostLink(host.name, this.dial(host, plan), this.clock, this.log)
      const made = link
      made.on((change) => {
        if (change.kind === 'synced') void this.runWhenBack(made)
        if (change.kind === 'state') this.onHostChange(made.name)
      })
      this.links.set(key, made)
      made.start()
    }
    return link
  }

  /** A stack places instances on this link's host (until release). */
  acquire(link: HostLink): void {
    this.users.set(link, (this.users.get(link) ?? 0) + 1)
  }

  /** A stack left the host: close the link once no stack uses it and nothing waits for the host. */
  release(link: HostLink): void {
    const left = (this.users.get(link) ?? 1) - 1
    this.users.set(link, left)
    this.closeIfIdle(link)
  }

  private closeIfIdle(link: HostLink): void {
    if ((this.users.get(link) ?? 0) > 0 || (this.whenBack.get(link)?.length ?? 0) > 0) return
    for (const [key, l] of this.links) if (l === link) this.links.delete(key)
    this.users.delete(link)
    link.close()
  }

  all(): HostLink[] {
    return [...this.links.values()]
  }

  /** Do this on the host now if it is up, else as soon as it is back. */
  onHost(link: HostLink, action: (client: DaemonClient) => Promise<unknown>): void {
    const client = link.current()
    if (client) {
      action(client).catch((error: Error) => this.log(`host ${link.name}: ${error.message}`))
      return
    }
    this.log(`host ${link.name} is unreachable: will act when it is back`)
    this.whenBack.set(link, [...(this.whenBack.get(link) ?? []), action])
  }

  private async runWhenBack(link: HostLink): Promise<void> {
    const actions = this.whenBack.get(link) ?? []
    this.whenBack.delete(link)
    for (const action of actions) {
      const client = link.current()
      if (!client) return void this.whenBack.set(link, [action, ...(this.whenBack.get(link) ?? [])])
      await action(client).catch((error: Error) => this.log(`host ${link.name}: ${error.message}`))
    }
    this.closeIfIdle(link)
  }

  /** Where a share's log cursor is kept. */
  cursor(stack: string, host: string): {load(): string | undefined; save(cursor: string): void} {
    const file = this.cursorDir ? join(this.cursorDir, `${safeName(stack)}@${safeName(host)}.cursor`) : null
    return {
      load: () => {
        const known = file ? this.cursors.get(file)?.value : undefined
        if (known || !file) return known
        try {
          return readPrivate(file).trim() || undefined
        } catch {
          return undefined
        }
      },
      save: (value) => {
        if (!file) return
        this.cursors.set(file, {value, saved: false})
        this.cursorTimer ??= setTimeout(() => this.saveCursors(), CURSOR_SAVE_MS)
      },
    }
  }

  /** Forget a share's cursor (its stack left the host). */
  forgetCursor(stack: string, host: string): void {
    if (!this.cursorDir) return
    const file = join(this.cursorDir, `${safeName(stack)}@${safeName(host)}.cursor`)
    this.cursors.set(file, {value: '', saved: false})
    this.saveCursors()
  }

  saveCursors(): void {
    if (this.cursorTimer) clearTimeout(this.cursorTimer)
    this.cursorTimer = null
    for (const [file, cursor] of this.cursors) {
      if (cursor.saved) continue
      try {
        mkdirSync(this.cursorDir!, {recursive: true, mode: 0o700})
        writePrivateAtomic(file, cursor.value)
        cursor.saved = true
      } catch (error) {
        this.log(`cannot keep a log cursor in ${file}: ${(error as Error).message}`)
      }
    }
  }

  close(): void {
    this.saveCursors()
    for (const link of this.links.values()) link.close()
    this.links.clear()
  }
}
