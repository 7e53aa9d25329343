// `mar status TARGET…`: the instances the targets name, resolved as every
// target command resolves them (src/api/targets.ts), against the stacks as
// they are up.
import type {StackRef, StatusReply} from '../api/protocol.js'
import {resolveTargets, shapeOfStack} from '../api/targets.js'
import {MarError} from '../util/errors.js'

/** Only the instances the targets name, stack by stack; a stack a target addresses must be up. */
export function filterStatus(status: StatusReply, groups: Array<{ref: StackRef; targets: string[]}>): StatusReply {
  const chosen = new Map<string, Set<string>>()
  for (const {ref, targets} of groups) {
    const stack = status.stacks.find((s) => (ref.name !== undefined ? s.name === ref.name : s.config === ref.config))
    if (!stack) {
      throw new MarError('stack-not-up', ref.name !== undefined ? `stack "${ref.name}" is not up` : `the stack of ${ref.config} is not up`, {hint: 'start it with `mar up`; `mar status` shows the stacks that are up'})
    }
    const names = chosen.get(stack.name) ?? new Set<string>()
    for (const name of resolveTargets(shapeOfStack(stack), targets)) names.add(name)
    chosen.set(stack.name, names)
  }
  return {...status, stacks: status.stacks.filter((s) => chosen.has(s.name)).map((s) => ({...s, instances: s.instances.filter((i) => chosen.get(s.name)!.has(i.name))}))}
}
