import type {StatusJson} from '../api/protocol.js'
import {probeDaemon} from './daemon-launch.js'
import {marPaths} from '../daemon/paths.js'
import {renderStatus} from './status-table.js'
import {createPaint} from '../util/colors.js'

export async function showStatus(options: {json: boolean; color: boolean}): Promise<number> {
  const client = await probeDaemon(marPaths())
  let status: StatusJson = {stacks: []}
  if (client) {
    try {
      status = await client.request<StatusJson>({type: 'status'})
    } finally {
      client.close()
    }
  }
  if (options.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`)
  else if (!client) process.stdout.write('the mar daemon is not running: no stacks are up (start one with `mar up`)\n')
  else process.stdout.write(renderStatus(status, createPaint(options.color)))
  return 0
}
