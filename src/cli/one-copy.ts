// One copy of a stack runs at a time: `mar up -f` of a stack the daemon
// runs, or `mar up` of one a `mar up -f` runs, would start a second copy —
// ports taken twice, probes passing against the other copy. Refuse.
import {foregroundClients, probeDaemon} from '../api/connect.js'
import type {DaemonClient} from '../api/client.js'
import type {StackPlan} from '../config/types.js'
import {MarError} from '../util/errors.js'

async function running(client: DaemonClient | null, plan: StackPlan): Promise<string | null> {
  if (!client) return null
  try {
    const status = await client.call('status', {})
    const found = status.stacks.find((s) => s.config === plan.configPath || s.name === plan.name)
    return found && found.instances.some((i) => i.pid !== null) ? found.name : null
  } finally {
    client.close()
  }
}

export async function refuseIfInDaemon(plan: StackPlan): Promise<void> {
  const name = await running(await probeDaemon(), plan)
  if (name) {
    throw new MarError('stack-in-daemon', `the stack ${name} is already up in the daemon`, {
      hint: '`mar down` it first to run it in the foreground, or follow it with `mar logs -f`',
    })
  }
}

export async function refuseIfInForeground(plan: StackPlan): Promise<void> {
  const names = await Promise.all((await foregroundClients()).map((client) => running(client, plan)))
  const name = names.find((n) => n !== null)
  if (name) {
    throw new MarError('stack-in-foreground', `the stack ${name} runs in the foreground (\`mar up -f\` in another terminal)`, {
      hint: 'stop it there (Ctrl-C) to run it in the daemon, or follow it with `mar logs -f`',
    })
  }
}
