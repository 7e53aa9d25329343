import {readdirSync} from 'node:fs'
import type {DaemonInfo, StatusJson} from '../api/protocol.js'
import {probeDaemon} from './daemon-launch.js'
import {marPaths} from '../daemon/paths.js'
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

export async function showStatus(options: {json: boolean; color: boolean}): Promise<number> {
  const client = await probeDaemon(marPaths())
  let status: StatusJson = {stacks: []}
  let containment = ''
  if (client) {
    try {
      status = await client.request<StatusJson>({type: 'status'})
      if (!options.json) containment = (await client.request<DaemonInfo>({type: 'ping'})).containment
    } finally {
      client.close()
    }
  }
  if (options.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`)
  else if (!client) {
    const recorded = recordedStacks()
    process.stdout.write(
      recorded.length === 0
        ? 'the mar daemon is not running: no stacks are up (start one with `mar up`)\n'
        : `the mar daemon is not running; ${recorded.join(', ')} ${recorded.length === 1 ? 'was' : 'were'} up and will come back (and take over any services still running) with \`mar daemon start\`\n`,
    )
  }
  else {
    const paint = createPaint(options.color)
    process.stdout.write(renderStatus(status, paint))
    if (status.stacks.length > 0) process.stdout.write(`${paint('gray', `containment: ${containment}`)}\n`)
  }
  return 0
}
