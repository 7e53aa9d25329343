// `mar status [TARGET…]`: every stack the daemon and any `mar up -f` run, or
// only the instances the targets name (resolved as every target command
// resolves them, against the stacks as they are up).
import {readdirSync} from 'node:fs'
import type {StatusReply} from '../api/protocol.js'
import {statusJson} from '../api/json.js'
import {foregroundClients, probeDaemon} from '../api/connect.js'
import {marPaths} from '../api/home.js'
import {renderStatus} from './status-table.js'
import {createPaint} from '../util/colors.js'

/** Stacks recorded as up in MAR_HOME/stacks (what the next daemon brings back). */
function recordedStacks(): string[] {
  try {
    return readdirSync(marPaths().stacks)
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -5))
  } catch {
    return []
  }
}

export interface StatusOptions {
  json: boolean
  color: boolean
  /** With targets: only what they name (README, "Commands": TARGET). */
  targets?: string[]
  config?: string
}

export async function showStatus(options: StatusOptions): Promise<number> {
  const targets = options.targets ?? []
  // Which stack each target addresses is known before asking anyone: a bad -c fails first.
  const groups = targets.length > 0 ? await import('./stack-ref.js').then(async (m) => m.splitByStack(targets, await m.stackRefFor(options.config))) : null
  const [daemon, foreground] = await Promise.all([probeDaemon(), foregroundClients()])
  const clients = daemon ? [daemon, ...foreground] : foreground
  let status: StatusReply = {stacks: [], hosts: []}
  let containment = ''
  try {
    // The daemon's stacks, then those `mar up -f` runs in other terminals.
    const replies = await Promise.all(clients.map((client) => client.call('status', {}).catch(() => null)))
    status = {stacks: replies.flatMap((reply) => reply?.stacks ?? []), hosts: replies[0]?.hosts ?? [], warnings: replies.flatMap((reply) => reply?.warnings ?? [])}
    if (!options.json && clients.length > 0) containment = (await clients[0]!.call('ping', {})).containment
  } finally {
    for (const client of clients) client.close()
  }
  if (groups) status = (await import('./status-filter.js')).filterStatus(status, groups)
  // On stderr, also with --json: its stdout stays the documented shape.
  for (const warning of status.warnings ?? []) process.stderr.write(`mar: warning: ${warning}\n`)
  if (options.json) process.stdout.write(`${JSON.stringify(statusJson(status), null, 2)}\n`)
  else if (clients.length === 0 && !groups) {
    const recorded = recordedStacks()
    process.stdout.write(
      recorded.length === 0
        ? 'the mar daemon is not running: no stacks are up (start one with `mar up`)\n'
        : `the mar daemon is not running; ${recorded.join(', ')} ${recorded.length === 1 ? 'was' : 'were'} up and will come back (and take over any services still running) with \`mar daemon start\`\n`,
    )
  } else {
    const paint = createPaint(options.color)
    process.stdout.write(renderStatus(status, paint))
    if (status.stacks.length > 0) process.stdout.write(`${paint('gray', `containment: ${containment}`)}\n`)
  }
  return 0
}
