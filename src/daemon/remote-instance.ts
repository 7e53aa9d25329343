// The hub's runner for an instance placed on another host: a proxy. Its
// host's daemon runs the program with local semantics — restarts, probes,
// memory limit — so a dropped link changes nothing for it. The proxy is an
// ordinary member of the hub's group, so depends_on, one-for-all,
// rest-for-one and rolling restarts span hosts with the group code as it is:
// it starts the instance there when the group does, is ready when it is
// ready there, ends when it ends for good there, and stops it when asked.
// Its events mirror the host's (state, pid, reason, restarts, health); while
// the host cannot be reached they keep the last known state, marked as such.
import type {InstanceInfo} from '../api/protocol.js'
import type {InstancePlan} from '../config/types.js'
import {because, type Reason} from '../supervisor/reasons.js'
import type {InstanceEvent, RunContext, Runner} from '../supervisor/runner.js'
import {MarError} from '../util/errors.js'
import type {StackShare} from './stack-share.js'
import type {HostLink} from '../remote/host-link.js'

export interface RemoteSeat {
  link: HostLink
  share: StackShare
  /** The host is unreachable while asked to stop: stop it there once it is back (false: it is left running, `down --keep`). */
  stopWhenBack(instance: string): boolean
  /** It crashed there and its host restarts it: its group's strategy may restart siblings here and on other hosts. */
  crashedThere(instance: string): void
}

const UP_STATES = new Set(['starting', 'running', 'ready', 'unhealthy'])

export function remoteInstanceRunner(instance: InstancePlan, seat: RemoteSeat): Runner {
  return async (ctx) => {
    const {link, share} = seat
    // Ends with this run: a start still waiting for the host must not happen after the run ended.
    const run = new AbortController()
    const onAbort = () => run.abort()
    ctx.signal.addEventListener('abort', onAbort, {once: true})
    const mirror = new Mirror(ctx, instance)
    let settle!: (error?: Error) => void
    const ended = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())))
    /** Once started there (or found running), its events are this instance's. */
    let tracking = false

    let lastState: string | null = null
    const onRemote = (info: InstanceInfo): void => {
      const crashed = (info.state === 'crashed' || info.state === 'backoff') && lastState !== null && UP_STATES.has(lastState)
      lastState = info.state
      mirror.show(info)
      if (crashed && instance.restart.policy !== 'never') seat.crashedThere(instance.name)
      if (info.state === 'ready' || (info.state === 'running' && !instance.ready)) ctx.ready()
      const end = endOf(info, instance)
      if (end !== undefined) settle(end ?? undefined)
    }
    /** Start it there unless it runs (or ran to its end) already — after a reconnect it usually still runs. */
    const ensureStarted = async (): Promise<void> => {
      const client = await share.deployed(run.signal)
      if (!client || run.signal.aborted) return
      const known = link.instance(share.stack, instance.name)
      const there = known && known.state !== 'stopped' && known.state !== 'pending'
      // Running there: taken over (a reconnect, a new hub). Ended there: news if we started it, else an earlier run to start again.
      if (known && there && (tracking || endOf(known, instance) === undefined)) {
        tracking = true
        return onRemote(known)
      }
      tracking = true
      const [result] = (await client.call('start', {stack: {name: share.stack}, targets: [instance.name]})).results
      if (result && !result.ok) settle(new MarError('remote-instance-failed', `${instance.name}@${instance.host}: ${result.message}`))
    }
    const off = link.on((change) => {
      if (change.kind === 'instance' && change.stack === share.stack && change.instance.name === instance.name) {
        if (tracking) onRemote(change.instance)
      } else if (change.kind === 'state' && change.state !== 'up') {
        // Never started there and the host needs the user (a key to trust, Node.js to install): fail now, saying so.
        if (!tracking && link.needsTheUser) return settle(hostFailure(link))
        mirror.stale(link.name, change.reason)
      } else if (change.kind === 'synced') {
        ensureStarted().catch((error: Error) => settle(error))
      }
    })
    const onStop = () => settle()
    ctx.signal.addEventListener('abort', onStop, {once: true})
    try {
      mirror.waiting(link)
      if (link.needsTheUser) settle(hostFailure(link))
      await Promise.race([ensureStarted(), ended])
      await ended
    } catch (error) {
      if (!tracking) ctx.emit({kind: 'instance', name: instance.name, at: ctx.clock.now(), state: 'failed', pid: null, why: because('host-unreachable', (error as Error).message)})
      throw error
    } finally {
      off()
      ctx.signal.removeEventListener('abort', onStop)
      ctx.signal.removeEventListener('abort', onAbort)
      run.abort()
    }
    if (!ctx.signal.aborted) return
    // Asked to stop: there, or once the host is back.
    const client = link.current()
    if (!client) {
      const later = seat.stopWhenBack(instance.name)
      const what = later ? 'it will be stopped there when the host is back' : 'left running there (mar down --keep)'
      ctx.emit({kind: 'instance', name: instance.name, at: ctx.clock.now(), state: 'stopped', pid: null, why: because('host-unreachable', `host ${link.name} is unreachable: ${what}`)})
      return
    }
    await client.call('stop', {stack: {name: share.stack}, targets: [instance.name]}).catch(() => seat.stopWhenBack(instance.name))
    mirror.show({...(link.instance(share.stack, instance.name) ?? ({} as InstanceInfo)), state: 'stopped', pid: null})
  }
}

/** The host cannot be used until the user acts: its reason, which names the host. */
function hostFailure(link: HostLink): MarError {
  const reason = link.reason ?? 'unreachable'
  return new MarError('remote-instance-failed', reason.startsWith(`host ${link.name}`) ? reason : `host ${link.name}: ${reason}`)
}

/** How a remote state ends the proxy: undefined: it goes on; null: it ended well; an error: it failed. */
function endOf(info: InstanceInfo, instance: InstancePlan): Error | null | undefined {
  if (info.state === 'exited') return info.lastExit?.code === 0 || info.reasonCode === 'completed' || info.reasonCode === 'exited' ? null : failure(info)
  if (info.state === 'failed') return failure(info)
  // A crash is final only where the policy restarts nothing; otherwise a restart (or `failed`) follows there.
  if (info.state === 'crashed' && instance.restart.policy === 'never') return failure(info)
  return undefined
}

function failure(info: InstanceInfo): MarError {
  return new MarError('remote-instance-failed', `${info.name}@${info.host}: ${info.reason ?? info.state}`)
}

/** An event's fields, with its reason spread (as `because` gives it). */
type Fields = Omit<InstanceEvent, 'kind' | 'name' | 'at' | 'why'> & Partial<Reason>

/** Turns the host's view of an instance into this hub's events, sending only what changed. */
class Mirror {
  private last: InstanceInfo | null = null

  constructor(
    private readonly ctx: RunContext,
    private readonly instance: InstancePlan,
  ) {}

  waiting(link: HostLink): void {
    if (link.state !== 'up') this.emit({state: 'starting', ...because('host-unreachable', `waiting for host ${link.name}: ${link.reason ?? 'connecting'}`)})
  }

  show(info: InstanceInfo): void {
    const before = this.last
    this.last = info
    const event: Fields = {reasonCode: info.reasonCode, reason: info.reason}
    if (info.state !== before?.state) event.state = info.state
    if (info.pid !== before?.pid) event.pid = info.pid
    if (info.startedAt !== before?.startedAt) event.startedAt = info.startedAt ? Date.parse(info.startedAt) : null
    if (info.nextRestartAt) event.nextRestartAt = Date.parse(info.nextRestartAt)
    if (info.health !== (before?.health ?? null)) event.health = info.health ?? 'none'
    if (info.lastExit && JSON.stringify(info.lastExit) !== JSON.stringify(before?.lastExit ?? null)) event.exit = info.lastExit
    if (before && info.restarts > before.restarts) event.restarted = true
    if (info.notifyStatus && info.notifyStatus !== before?.notifyStatus) event.status = info.notifyStatus
    this.emit(event)
  }

  /** The host cannot be reached: the last known state stays, and says so. */
  stale(host: string, why: string | null): void {
    const state = this.last?.state ?? 'starting'
    this.emit({...because('host-unreachable', `host ${host} is unreachable${why ? ` (${why})` : ''}; last known: ${state}`)})
  }

  private emit(fields: Fields): void {
    const {reasonCode, reason, ...rest} = fields
    const why = reasonCode !== undefined ? {reasonCode, reason: reason ?? null} : undefined
    this.ctx.emit({kind: 'instance', name: this.instance.name, at: this.ctx.clock.now(), ...rest, ...(why ? {why} : {})})
  }
}
