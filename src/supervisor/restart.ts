// restart(runner, policy): one runner under its own restart policy, with
// backoff and limit — the one-member case of `supervise`.
import type {RestartSpec} from './spec.js'
import type {Runner} from './runner.js'
import {supervise} from './supervise.js'

export function restart(name: string, runner: Runner, policy: RestartSpec, options: {oneshot?: boolean; random?: () => number} = {}): Runner {
  return supervise([{name, runner: name, run: runner, restart: policy, oneshot: options.oneshot ?? false}], {
    name,
    start: 'parallel',
    strategy: 'one-for-one',
    random: options.random,
  }).runner
}
