// What the TUI's action keys do: restart/stop/start (a group's restart is the
// daemon's rolling one), signal, scale for this session, reload after its
// dry-run diff, details. None blocks the screen: the call is fired, the
// status line says so, and its outcome replaces it. Made afresh each render
// from what the app holds (see AppContext), so it never acts on an old state.
import type {DaemonClient} from '../api/client.js'
import type {Calls, InstanceDescription, ReloadReply, StackRef, TargetsReply} from '../api/protocol.js'
import {MUTATING} from './help.js'
import type {Action} from './keys.js'
import type {Line, UiState} from './state.js'
import type {Scaled} from './table.js'

/** A stack's plan as `reload` takes it (the UI may not import the config part, so it is named through the protocol). */
export type StackPlan = Calls['reload']['params']['plan']

export type Tone = 'green' | 'yellow' | 'red' | 'gray'

/** What an action acts on: an instance, or a whole group (restart is then the daemon's rolling restart). */
export interface Target {
  stack: string
  name: string
  kind: 'instance' | 'group'
  runner: string | null
}

export type View = 'main' | 'details' | 'graph' | 'help' | 'signal' | 'reload'

export interface PendingReload {
  stack: string
  plan: StackPlan
  reply: ReloadReply
}

export interface DetailsState {
  stack: string
  name: string
  description: InstanceDescription | null
  error: string | null
}

export interface ActionContext {
  client: Pick<DaemonClient, 'call'>
  readOnly: boolean
  /** The stack shown (null: all). */
  stack: string | null
  reloadPlan: (() => Promise<StackPlan>) | undefined
  state: UiState
  lines: Line[]
  /**
   * Index of the selected line, read when an action fires (a getter in the app): keys that come faster
   * than frames (`jr` in one read, a click then `r`) act on the line the ones before them selected.
   */
  readonly selected: number
  scaled: Map<string, Scaled>
  setScaled(update: (m: Map<string, Scaled>) => Map<string, Scaled>): void
  say(text: string, tone?: Tone): void
  setView(view: View): void
  reload: PendingReload | null
  setReload(reload: PendingReload | null): void
  setDetails(update: DetailsState | ((d: DetailsState | null) => DetailsState | null)): void
  openSignalPicker(target: Target): void
  /** False once the screen is gone: late replies change nothing. */
  isMounted(): boolean
}

export function targetOf(line: Line | undefined): Target | null {
  if (!line) return null
  if (line.kind === 'group') return {stack: line.stack, name: line.group.name, kind: 'group', runner: null}
  return {stack: line.row.stack, name: line.row.info.name, kind: 'instance', runner: line.row.info.runner}
}

function outcome(reply: TargetsReply): {ok: boolean; text: string} {
  const failed = reply.results.filter((r) => !r.ok)
  if (failed.length === 0) return {ok: true, text: ''}
  return {ok: false, text: failed.map((r) => `${r.instance}: ${r.message}`).join('; ')}
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))
const ref = (stack: string): StackRef => ({name: stack})
const targetsOf = (who: Target) => ({stack: ref(who.stack), targets: [who.name]})

export interface Actions {
  act(action: Action): void
  sendSignal(who: Target, signal: string): void
  applyReload(): void
  cancelReload(): void
}

export function makeActions(ctx: ActionContext): Actions {
  const {client, say} = ctx
  const selectedTarget = () => targetOf(ctx.lines[ctx.selected])

  const fire = (verb: string, doing: string, done: string, who: Target, call: () => Promise<TargetsReply>) => {
    const shown = who.kind === 'group' ? `group ${who.name}` : who.name
    say(`${doing} ${shown}…`, 'yellow')
    call().then(
      (reply) => {
        const o = outcome(reply)
        say(o.ok ? `${done} ${shown}` : `${verb} ${shown}: ${o.text}`, o.ok ? 'green' : 'red')
      },
      (error: unknown) => say(`${verb} ${shown}: ${message(error)}`, 'red'),
    )
  }

  const runnerCount = (stack: string, runner: string) => [...ctx.state.instances.entries()].filter(([key, i]) => key.startsWith(`${stack}/`) && i.runner === runner).length

  const scale = (who: Target, by: number) => {
    if (!who.runner) return say('scale: select an instance of the runner to scale', 'yellow')
    const runner = who.runner
    const key = `${who.stack}/${runner}`
    const before = ctx.scaled.get(key)
    const file = before?.file ?? runnerCount(who.stack, runner)
    const to = Math.max(0, (before?.scale ?? runnerCount(who.stack, runner)) + by)
    ctx.setScaled((m) => new Map(m).set(key, {scale: to, file}))
    say(`scaling ${runner} to ${to}…`, 'yellow')
    client.call('scale', {stack: ref(who.stack), runner, scale: to}).then(
      () => say(`${runner} ×${to} (file: ${file})`, 'green'),
      (error: unknown) => {
        ctx.setScaled((m) => {
          const next = new Map(m)
          if (before) next.set(key, before)
          else next.delete(key)
          return next
        })
        say(`scale ${runner}: ${message(error)}`, 'red')
      },
    )
  }

  const planReload = () => {
    const stack = selectedTarget()?.stack ?? ctx.stack ?? [...ctx.state.stacks.keys()][0]
    if (!ctx.reloadPlan || !stack) return say('reload: not available here (run mar ui in the stack’s directory, or mar reload)', 'yellow')
    say('reload: comparing the config with what runs…', 'yellow')
    const planOf = ctx.reloadPlan
    void (async () => {
      try {
        const plan = await planOf()
        const reply = await client.call('reload', {plan, dryRun: true})
        if (!ctx.isMounted()) return
        if (reply.changes.length === 0 && reply.structural.length === 0) return say('reload: no changes', 'green')
        ctx.setReload({stack: plan.name, plan, reply})
        ctx.setView('reload')
        say('reload: y or enter to apply, esc to cancel', 'yellow')
      } catch (error) {
        say(`reload: ${message(error)}`, 'red')
      }
    })()
  }

  const applyReload = () => {
    if (!ctx.reload) return
    const {plan} = ctx.reload
    ctx.setReload(null)
    ctx.setView('main')
    say(`reloading ${plan.name}…`, 'yellow')
    client.call('reload', {plan, dryRun: false}).then(
      (reply) => {
        const blocked = reply.blocked ?? []
        if (blocked.length > 0) say(`reload: not applied to ${blocked.map((b) => `${b.instance} (${b.reason})`).join(', ')}`, 'red')
        else say(`reloaded ${plan.name}: ${reply.changes.length} change${reply.changes.length === 1 ? '' : 's'}`, 'green')
      },
      (error: unknown) => say(`reload: ${message(error)}`, 'red'),
    )
  }

  const openDetails = (selectedTarget: Target) => {
    // On a group's row: its first instance (what `d` most likely means there).
    let who: Target | null = selectedTarget
    if (who.kind !== 'instance') {
      const first = ctx.lines.slice(ctx.selected + 1).find((l) => l.kind === 'instance')
      who = first && first.kind === 'instance' && first.row.info.group === selectedTarget.name ? targetOf(first) : null
    }
    if (!who) return say('details: select an instance', 'yellow')
    const name = who.name
    ctx.setDetails({stack: who.stack, name, description: null, error: null})
    ctx.setView('details')
    client.call('describe', {stack: ref(who.stack), target: name}).then(
      (description) => ctx.isMounted() && ctx.setDetails((d) => (d && d.name === name ? {...d, description} : d)),
      (error: unknown) => ctx.isMounted() && ctx.setDetails((d) => (d && d.name === name ? {...d, error: message(error)} : d)),
    )
  }

  const act = (action: Action) => {
    if (MUTATING.has(action) && ctx.readOnly) return say(`read-only: ${action} is not available`, 'yellow')
    if (action === 'reload') return planReload()
    const target = selectedTarget()
    if (!target) return say('nothing selected', 'yellow')
    switch (action) {
      case 'restart':
        return fire('restart', 'restarting', 'restarted', target, () => client.call('restart', targetsOf(target)))
      case 'stop':
        return fire('stop', 'stopping', 'stopped', target, () => client.call('stop', targetsOf(target)))
      case 'start':
        return fire('start', 'starting', 'started', target, () => client.call('start', targetsOf(target)))
      case 'signal':
        ctx.openSignalPicker(target)
        return say(`signal for ${target.name}: pick one, enter to send, esc to cancel`)
      case 'scaleUp':
        return scale(target, 1)
      case 'scaleDown':
        return scale(target, -1)
      case 'details':
        return openDetails(target)
      default:
        return
    }
  }

  const sendSignal = (who: Target, signal: string) => fire(`signal ${signal}`, `sending ${signal} to`, `sent ${signal} to`, who, () => client.call('signal', {...targetsOf(who), signal}))

  const cancelReload = () => {
    ctx.setReload(null)
    ctx.setView('main')
    say('reload: cancelled')
  }

  return {act, sendSignal, applyReload, cancelReload}
}
