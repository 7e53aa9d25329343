// `mar up -f` of a stack the daemon already runs would start a second copy:
// ports taken twice, probes passing against the other copy. Refuse.
import type {StatusJson} from '../api/protocol.js'
import type {StackPlan} from '../config/types.js'
import {marPaths} from '../daemon/paths.js'
import {ExitCode, MarError} from '../util/errors.js'
import {probeDaemon} from './daemon-launch.js'

export async function refuseIfInDaemon(plan: StackPlan): Promise<void> {
  const client = await probeDaemon(marPaths())
  if (!client) return
  try {
    const status = await client.request<StatusJson>({type: 'status'})
    const running = status.stacks.find((s) => s.config === plan.configPath || s.name === plan.name)
    if (running && running.instances.some((i) => i.pid !== null)) {
      throw new MarError('stack-in-daemon', `the stack ${running.name} is already up in the daemon`, {
        hint: '`mar down` it first to run it in the foreground, or follow it with `mar logs -f`',
        exitCode: ExitCode.failed,
      })
    }
  } finally {
    client.close()
  }
}
