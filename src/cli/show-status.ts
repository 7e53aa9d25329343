import type {DaemonInfo, StatusJson} from '../api/protocol.js'
import {probeDaemon} from './daemon-launch.js'
import {marPaths} from '../daemon/paths.js'
import {renderStatus} from './status-table.js'
import {createPaint} from '../util/colors.js'

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
  else if (!client) process.stdout.write('the mar daemon is not running: no stacks are up (start one with `mar up`)\n')
  else {
    const paint = createPaint(options.color)
    process.stdout.write(renderStatus(status, paint))
    if (status.stacks.length > 0) process.stdout.write(`${paint('gray', `containment: ${containment}`)}\n`)
  }
  return 0
}
