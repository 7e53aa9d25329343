// The hub's one connection to one remote host's daemon (its agent): dial it,
// learn who it is (ping: version, machine), keep a mirror of its stacks from
// its event subscription (a snapshot, then events), and when the connection
// drops, say so and dial again with backoff. What is built on it — the
// stack shares, the proxies of remote instances, log catch-up — listens to
// its changes and reacts to `synced`, which follows every fresh snapshot.
//
// How it dials is given (`Dial`): over ssh in the daemon
// (src/remote/connect-host.ts), an in-process daemon in the cluster tests.
import type {DaemonClient} from '../api/client.js'
import type {DaemonInfo, InstanceInfo, StackInfo, WatchEvent} from '../api/protocol.js'
import {backoffDelay} from '../supervisor/backoff.js'
import {realClock, sleep, type Clock} from '../supervisor/clock.js'
import {isMarError} from '../util/errors.js'

export type Dial = () => Promise<DaemonClient>

export type LinkState = 'connecting' | 'up' | 'unreachable'

export type LinkChange =
  | {kind: 'state'; state: LinkState; reason: string | null}
  /** A fresh snapshot was taken in (after every connect): the mirror is whole again. */
  | {kind: 'synced'}
  | {kind: 'instance'; stack: string; instance: InstanceInfo}
  | {kind: 'stack-removed'; stack: string}

/**
 * Dial failures that no retry heals by itself: the user must act (trust a
 * key, install Node.js, free disk). The link keeps retrying — the fix may
 * come — but instances waiting for the host fail now, with the reason.
 */
const NEEDS_THE_USER = new Set(['host-key-unknown', 'host-key-changed', 'host-auth-failed', 'host-no-node', 'host-node-too-old', 'agent-install-failed', 'bad-ssh-destination', 'mar-home'])

/** Reconnect delays: fast at first (a blip), then at most every 30 s. */
export const RECONNECT = {initialMs: 500, maxMs: 30_000, factor: 2}
/** How often an idle link is pinged: latency for `mar hosts`, and a dead peer found. */
export const PING_EVERY_MS = 5_000

export class HostLink {
  private client: DaemonClient | null = null
  private linkState: LinkState = 'connecting'
  private why: string | null = 'not connected yet'
  private changedAt: number
  private info: DaemonInfo | null = null
  private latency: number | null = null
  private readonly stacks = new Map<string, Map<string, InstanceInfo>>()
  private readonly listeners = new Set<(change: LinkChange) => void>()
  private readonly stopped = new AbortController()
  private running = false
  /** Failed dials since the link was last up. */
  private failures = 0
  private needsUser = false

  constructor(
    readonly name: string,
    private readonly dial: Dial,
    private readonly clock: Clock = realClock,
    private readonly log: (message: string) => void = () => {},
  ) {
    this.changedAt = clock.now()
  }

  get state(): LinkState {
    return this.linkState
  }
  get reason(): string | null {
    return this.why
  }
  get since(): number {
    return this.changedAt
  }
  get latencyMs(): number | null {
    return this.latency
  }
  get daemon(): DaemonInfo | null {
    return this.info
  }
  /** The last dial failed in a way only the user can fix (an unknown host key, no Node.js there…). */
  get needsTheUser(): boolean {
    return this.linkState !== 'up' && this.needsUser
  }

  /** The connected client, while the link is up. */
  current(): DaemonClient | null {
    return this.linkState === 'up' ? this.client : null
  }

  /** The last known state of an instance of a stack on this host. */
  instance(stack: string, name: string): InstanceInfo | undefined {
    return this.stacks.get(stack)?.get(name)
  }

  /** Whether the host's daemon has this stack (as of the last snapshot and events). */
  hasStack(stack: string): boolean {
    return this.stacks.has(stack)
  }

  on(listener: (change: LinkChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Start dialing (idempotent); the link then keeps itself up until close(). */
  start(): void {
    if (this.running) return
    this.running = true
    void this.loop()
  }

  /** Resolves with the client once the link is up and synced; false if `signal` aborts (or the link closes) first. */
  async whenUp(signal?: AbortSignal): Promise<DaemonClient | false> {
    while (!signal?.aborted && !this.stopped.signal.aborted) {
      const client = this.current()
      if (client) return client
      await new Promise<void>((resolve) => {
        const off = this.on((change) => {
          if (change.kind === 'synced' || (change.kind === 'state' && change.state !== 'up')) done()
        })
        const done = () => {
          off()
          signal?.removeEventListener('abort', done)
          this.stopped.signal.removeEventListener('abort', done)
          resolve()
        }
        signal?.addEventListener('abort', done, {once: true})
        this.stopped.signal.addEventListener('abort', done, {once: true})
      })
    }
    return false
  }

  close(): void {
    this.stopped.abort()
    this.client?.close()
  }

  private emit(change: LinkChange): void {
    for (const listener of [...this.listeners]) listener(change)
  }

  private setState(state: LinkState, reason: string | null): void {
    if (state === this.linkState && reason === this.why) return
    this.linkState = state
    this.why = reason
    this.changedAt = this.clock.now()
    this.emit({kind: 'state', state, reason})
  }

  private async loop(): Promise<void> {
    const stop = this.stopped.signal
    while (!stop.aborted) {
      let reason: string
      try {
        reason = await this.session()
        this.needsUser = false
      } catch (error) {
        // The how-to (trust this key with…, install Node.js…) belongs with the reason: it is what the user reads.
        reason = isMarError(error) && error.hint ? `${error.message} — ${error.hint}` : (error as Error).message
        this.needsUser = isMarError(error) && NEEDS_THE_USER.has(error.code)
      }
      this.client = null
      if (stop.aborted) break
      if (this.linkState === 'up') this.log(`host ${this.name}: connection lost: ${reason}`)
      this.setState('unreachable', reason)
      this.failures++
      await sleep(this.clock, backoffDelay(this.failures, RECONNECT), stop)
    }
  }

  /** One connection, from dial to its loss; returns why it ended. */
  private async session(): Promise<string> {
    const client = await this.dial()
    this.client = client
    if (this.stopped.signal.aborted) {
      client.close()
      return 'closed'
    }
    const closed = new Promise<string>((resolve) => client.onClose((error) => resolve(error.message)))
    await this.ping(client)
    const synced = this.watch(client)
    const outcome = await Promise.race([synced.then(() => null), closed])
    if (outcome !== null) return outcome
    this.failures = 0
    this.setState('up', null)
    this.emit({kind: 'synced'})
    const pinging = this.keepPinging(client)
    const why = await closed
    pinging.abort()
    return why
  }

  private async ping(client: DaemonClient): Promise<void> {
    const sent = this.clock.now()
    this.info = await client.call('ping', {})
    this.latency = this.clock.now() - sent
  }

  private keepPinging(client: DaemonClient): AbortController {
    const stop = new AbortController()
    void (async () => {
      while (await sleep(this.clock, PING_EVERY_MS, stop.signal)) {
        await this.ping(client).catch(() => client.close())
      }
    })()
    return stop
  }

  /** Subscribe to the host's events; resolves once the first snapshot is in the mirror. */
  private watch(client: DaemonClient): Promise<void> {
    return new Promise((resolve) => {
      client.stream('watch', {}, {
        item: (event: WatchEvent) => {
          this.take(event)
          if (event.kind === 'snapshot') resolve()
        },
      }).done.catch(() => client.close())
    })
  }

  private take(event: WatchEvent): void {
    switch (event.kind) {
      case 'snapshot': {
        const gone = [...this.stacks.keys()].filter((name) => !event.status.stacks.some((s) => s.name === name))
        this.stacks.clear()
        for (const stack of event.status.stacks) this.addStack(stack, false)
        for (const stack of gone) this.emit({kind: 'stack-removed', stack})
        // Listeners read the whole mirror on `synced` (and on `synced` only, during a connect).
        if (this.linkState === 'up') for (const stack of event.status.stacks) this.announce(stack)
        return
      }
      case 'stack-added':
        return this.addStack(event.stack, true)
      case 'stack-removed':
        this.stacks.delete(event.stack)
        return this.emit({kind: 'stack-removed', stack: event.stack})
      case 'instance': {
        const stack = this.stacks.get(event.stack) ?? new Map<string, InstanceInfo>()
        this.stacks.set(event.stack, stack)
        stack.set(event.instance.name, event.instance)
        return this.emit({kind: 'instance', stack: event.stack, instance: event.instance})
      }
      default:
        return
    }
  }

  private addStack(stack: StackInfo, announce: boolean): void {
    this.stacks.set(stack.name, new Map(stack.instances.map((i) => [i.name, i])))
    if (announce) this.announce(stack)
  }

  private announce(stack: StackInfo): void {
    for (const instance of stack.instances) this.emit({kind: 'instance', stack: stack.name, instance})
  }
}
