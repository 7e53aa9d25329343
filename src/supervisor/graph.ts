// The stack: groups in a dependency graph. A group starts once each of its
// dependencies has reached the milestone it asks for (ready, started or
// completed); a group whose dependency failed does not start, and when a
// running group fails, everything that depends on it is stopped. Stopping
// the stack stops dependents before their dependencies.
import {GroupError, type TraceEntry} from './errors.js'
import {start, type GroupPhase, type Process, type Runner} from './runner.js'
import type {DependencyCondition} from './spec.js'
import {because, type Reason} from './reasons.js'

export interface GraphNode {
  name: string
  runner: Runner
  dependsOn: {name: string; condition: DependencyCondition}[]
  /** Told when the node does not start, or is stopped, because a dependency failed. */
  onBlocked?(why: Reason): void
  /** Told when the node waits for a dependency before it can start. */
  onWaiting?(why: Reason): void
}

interface NodeState {
  node: GraphNode
  phases: Set<GroupPhase>
  proc: Process | null
  ended: boolean
  failed: boolean
  blocked: boolean
  /** Told it waits (once per wait). */
  waiting: boolean
}

const conditionPhase: Record<DependencyCondition, GroupPhase[]> = {
  started: ['started', 'ready', 'completed'],
  ready: ['ready'],
  completed: ['completed'],
}

export function dependencyGraph(nodes: GraphNode[], options: {keepAlive?: boolean} = {}): Runner {
  return async (ctx) => {
    const states = new Map<string, NodeState>(
      nodes.map((node) => [node.name, {node, phases: new Set(), proc: null, ended: false, failed: false, blocked: false, waiting: false}]),
    )
    const trace: TraceEntry[] = []
    let wake: () => void = () => {}
    const get = (name: string) => states.get(name)!
    const dependentsOf = (name: string) => nodes.filter((n) => n.dependsOn.some((d) => d.name === name)).map((n) => get(n.name))
    const satisfied = (dep: GraphNode['dependsOn'][number]) => conditionPhase[dep.condition].some((p) => get(dep.name).phases.has(p))
    const broken = (dep: GraphNode['dependsOn'][number]) => {
      const s = get(dep.name)
      return s.failed || s.blocked || (s.ended && !satisfied(dep))
    }

    const block = async (state: NodeState, reason: string) => {
      if (state.blocked) return
      state.blocked = true
      state.waiting = false
      if (state.proc && !state.ended) await state.proc.stop()
      state.ended = true
      const why = because('dependency-failed', reason)
      ctx.emit({kind: 'group', name: state.node.name, at: ctx.clock.now(), phase: 'blocked', why})
      state.node.onBlocked?.(why)
      for (const dependent of dependentsOf(state.node.name)) void block(dependent, reason)
      wake()
    }

    const wait = (state: NodeState, dep: GraphNode['dependsOn'][number]) => {
      if (state.waiting) return
      state.waiting = true
      const why = because('dependency-waiting', `waiting for ${dep.name} (${dep.condition})`)
      ctx.emit({kind: 'group', name: state.node.name, at: ctx.clock.now(), phase: 'waiting', why})
      state.node.onWaiting?.(why)
    }

    const onFailure = (state: NodeState, error: unknown, why?: string) => {
      if (state.failed) return
      state.failed = true
      trace.push({name: state.node.name, error})
      const cause = why ? ` (${why})` : ''
      for (const dependent of dependentsOf(state.node.name)) void block(dependent, `dependency ${state.node.name} failed${cause}`)
    }

    const launch = (state: NodeState) => {
      state.ended = false
      state.waiting = false
      state.phases.clear()
      const proc = start(state.node.runner, {
        name: state.node.name,
        parent: ctx,
        emit: (event) => {
          ctx.emit(event)
          if (event.kind !== 'group' || event.name !== state.node.name) return
          if (event.phase === 'failed') {
            state.phases.clear()
            onFailure(state, new Error(event.why?.reason ?? 'failed'), event.why?.reason ?? undefined)
          } else {
            // Started again after a failure (the daemon keeps failed groups addressable).
            if (state.failed && (event.phase === 'started' || event.phase === 'ready' || event.phase === 'completed')) state.failed = false
            state.phases.add(event.phase)
          }
          wake()
        },
      })
      state.proc = proc
      proc.exited.then(
        () => {
          state.ended = true
          wake()
        },
        (error: unknown) => {
          state.ended = true
          onFailure(state, error)
          wake()
        },
      )
    }

    const evaluate = () => {
      for (const state of states.values()) {
        if (ctx.signal.aborted) break
        // With keepAlive (the daemon), a node stopped because a dependency
        // failed comes back once that dependency is up again.
        if (state.blocked && options.keepAlive && state.ended && state.node.dependsOn.every(satisfied)) {
          state.blocked = false
          state.proc = null
        }
        if (state.proc || state.blocked) continue
        const bad = state.node.dependsOn.find(broken)
        if (bad) void block(state, `dependency ${bad.name} ${get(bad.name).failed || get(bad.name).blocked ? 'failed' : `ended before it was ${bad.condition}`}`)
        else {
          const unmet = state.node.dependsOn.find((dep) => !satisfied(dep))
          if (unmet) wait(state, unmet)
          else launch(state)
        }
      }
      if ([...states.values()].every((s) => s.phases.has('ready'))) ctx.ready()
    }

    ctx.signal.addEventListener('abort', () => wake(), {once: true})
    for (;;) {
      evaluate()
      if (ctx.signal.aborted) break
      if (!options.keepAlive && [...states.values()].every((s) => s.ended || s.blocked)) break
      await new Promise<void>((resolve) => (wake = resolve))
    }
    await stopInReverse([...states.values()], dependentsOf)
    if (trace.length > 0 && !ctx.signal.aborted) throw new GroupError('stack', 'a group failed', trace)
  }
}

/** Stop each node once everything that depends on it has stopped; independent ones in parallel. */
async function stopInReverse(states: NodeState[], dependentsOf: (name: string) => NodeState[]): Promise<void> {
  const stopped = new Map<string, Promise<void>>()
  const stopNode = (state: NodeState): Promise<void> => {
    let done = stopped.get(state.node.name)
    if (!done) {
      done = (async () => {
        await Promise.all(dependentsOf(state.node.name).map(stopNode))
        await state.proc?.stop()
      })()
      stopped.set(state.node.name, done)
    }
    return done
  }
  await Promise.all(states.map(stopNode))
}
