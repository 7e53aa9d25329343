// A group of instances under one supervisor, with Erlang/OTP semantics.
// Each member's restart policy says whether an exit calls for a restart;
// the group's strategy says what else restarts with it:
//   one-for-one  — only the instance that ended;
//   one-for-all  — every instance of the group (stopped in reverse order,
//                  started again in order);
//   rest-for-one — the instances of that runner and of the runners declared
//                  after it.
// A restart limit that is spent escalates: under one-for-one the instance is
// `failed` and its siblings go on; under the other strategies, or when the
// group's own limit is spent, the whole group fails (OTP's intensity).
import type {Runner} from './runner.js'
import type {MemberSpec} from './slot.js'
import type {GroupStrategy, RestartLimit, RestartStrategy} from './spec.js'
import {GroupRun} from './group-run.js'

export type {MemberSpec} from './slot.js'

export interface SupervisorOptions {
  name: string
  start: GroupStrategy
  strategy: RestartStrategy
  limit?: RestartLimit
  /** Stay up when every member has ended (the daemon, where users start them again). */
  keepAlive?: boolean
  random?: () => number
}

export interface GroupControl {
  readonly name: string
  memberNames(): string[]
  /**
   * Start a stopped (or ended) member; resolves once it is ready, rejects
   * when this run ends first. `signal` cancels the wait (not the start).
   */
  startMember(name: string, signal?: AbortSignal): Promise<void>
  /** Stop a member and keep it stopped until started again. */
  stopMember(name: string): Promise<void>
  /** Stop and start a member; resolves once it is ready again. */
  restartMember(name: string, signal?: AbortSignal): Promise<void>
  addMember(spec: MemberSpec, index?: number, signal?: AbortSignal): Promise<void>
  removeMember(name: string): Promise<void>
  /** Swap a member's spec (reload): stop the old run, start the new one, resolve once ready. */
  replaceMember(spec: MemberSpec, signal?: AbortSignal): Promise<void>
}

export function supervise(members: MemberSpec[], options: SupervisorOptions): {runner: Runner; control: GroupControl} {
  let current: GroupRun | null = null
  const specs = [...members]
  const need = () => {
    if (!current) throw new Error(`group ${options.name} is not running`)
    return current
  }
  const runner: Runner = async (ctx) => {
    current = new GroupRun(specs, options, ctx)
    try {
      await current.run()
    } finally {
      current = null
    }
  }
  const control: GroupControl = {
    name: options.name,
    memberNames: () => specs.map((s) => s.name),
    startMember: async (name, signal) => need().startMember(name, signal),
    stopMember: async (name) => need().stopMember(name),
    restartMember: async (name, signal) => need().restartMember(name, signal),
    async addMember(spec, index = specs.length, signal) {
      specs.splice(index, 0, spec)
      await current?.addMember(spec, index, signal)
    },
    async removeMember(name) {
      const at = specs.findIndex((s) => s.name === name)
      if (at >= 0) specs.splice(at, 1)
      await current?.removeMember(name)
    },
    async replaceMember(spec, signal) {
      const at = specs.findIndex((s) => s.name === spec.name)
      if (at >= 0) specs[at] = spec
      await current?.replaceMember(spec, signal)
    },
  }
  return {runner, control}
}

