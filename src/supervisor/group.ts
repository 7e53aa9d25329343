// ifrit's groupers: `ordered` starts members one after another, each once
// the previous is ready, and stops them in reverse; `parallel` starts them
// all at once. Neither restarts anything (wrap members in `supervise` for
// that): when one member ends, the others are stopped and the group ends,
// failing with the ordered trace of what failed.
import {GroupError, type TraceEntry} from './errors.js'
import {start, type Process, type Runner} from './runner.js'

export interface Member {
  name: string
  runner: Runner
}

function group(name: string, members: Member[], mode: 'ordered' | 'parallel'): Runner {
  return async (ctx) => {
    const started: Process[] = []
    const trace: TraceEntry[] = []
    let memberEnded!: () => void
    const anyEnded = new Promise<void>((resolve) => (memberEnded = resolve))
    const launch = (member: Member) => {
      const proc = start(member.runner, {name: member.name, parent: ctx})
      started.push(proc)
      proc.exited.then(memberEnded, (error: unknown) => {
        trace.push({name: member.name, error})
        memberEnded()
      })
      return proc
    }
    const stopped = new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), {once: true}))
    for (const member of members) {
      const proc = launch(member)
      if (mode === 'ordered') {
        const outcome = await Promise.race([proc.ready.then(() => 'ready', () => 'ended'), stopped.then(() => 'stop')])
        if (outcome !== 'ready') break
      }
    }
    if (mode === 'parallel' || started.length === members.length) {
      const all = Promise.all(started.map((p) => p.ready.catch(() => {})))
      void all.then(() => {
        if (started.every((p) => p.isReady)) ctx.ready()
      })
    }
    await Promise.race([anyEnded, stopped])
    const order = [...started].reverse()
    if (mode === 'ordered') for (const proc of order) await proc.stop()
    else await Promise.all(order.map((p) => p.stop()))
    if (trace.length > 0) throw new GroupError(name, 'a member failed', trace)
  }
}

export const ordered = (name: string, members: Member[]): Runner => group(name, members, 'ordered')
export const parallel = (name: string, members: Member[]): Runner => group(name, members, 'parallel')
