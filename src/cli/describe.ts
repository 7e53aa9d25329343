// `mar describe INSTANCE`: everything about one instance, asked of whoever
// runs its stack (the daemon or a `mar up -f`), shown as a list of facts or
// as JSON (src/api/json.ts).
import {clientForStack} from '../api/connect.js'
import {describeReason} from '../api/describe.js'
import {describeJson} from '../api/json.js'
import type {InstanceDescription, ProbeDescription} from '../api/protocol.js'
import {createPaint, type Paint} from '../util/colors.js'
import {ExitCode, MarError} from '../util/errors.js'
import {formatBytes, formatDuration, formatUptime} from '../util/format.js'
import {callNewer} from './call-newer.js'
import {splitByStack, stackRefFor} from './stack-ref.js'

export interface DescribeOptions {
  config?: string
  json: boolean
  color: boolean
}

export async function runDescribe(target: string, options: DescribeOptions): Promise<number> {
  if (target === '' || target.endsWith('/')) throw new MarError('unknown-target', `"${target}" is not an instance`, {hint: 'name one: `mar describe web.1`', exitCode: ExitCode.usage})
  const [{ref, targets}] = splitByStack([target], await stackRefFor(options.config))
  const client = await clientForStack(ref!, {start: false})
  let description: InstanceDescription
  try {
    description = await callNewer(client, 'describe', {stack: ref!, target: targets[0]!})
  } finally {
    client.close()
  }
  if (options.json) process.stdout.write(`${JSON.stringify(describeJson(description), null, 2)}\n`)
  else process.stdout.write(renderDescription(description, createPaint(options.color)))
  return 0
}

const command = (c: InstanceDescription['command']) => ('shell' in c ? c.shell : `[${c.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(', ')}]`)

function probeLine(probe: ProbeDescription | null, paint: Paint): string {
  if (!probe) return '-'
  const setting = [`every ${formatDuration(probe.intervalMs)}`, `timeout ${formatDuration(probe.timeoutMs)}`, ...(probe.failures !== null ? [`restart after ${probe.failures} failures`] : [])]
  const how = probe.passed === null ? paint('gray', 'not tried yet') : probe.passed ? paint('green', `passed ${probe.at}`) : paint('red', `failed ${probe.at}${probe.message ? `: ${probe.message}` : ''}`)
  return `${probe.kind}${probe.target ? ` ${probe.target}` : ''} (${setting.join(', ')}): ${how}`
}

export function renderDescription(d: InstanceDescription, paint: Paint, now = Date.now()): string {
  const i = d.instance
  const rows: Array<[string, string]> = []
  const reason = describeReason(i, now)
  rows.push(['state', `${i.state}${i.health ? ` (${i.health})` : ''}${reason ? ` — ${reason}` : ''}${i.reasonCode ? paint('gray', ` [${i.reasonCode}]`) : ''}`])
  rows.push(['pid', i.pid === null ? '-' : `${i.pid}${i.startedAt ? `, started ${i.startedAt} (up ${formatUptime(now - Date.parse(i.startedAt))})` : ''}`])
  rows.push(['restarts', `${i.restarts}${i.lastExit ? `, last exit ${i.lastExit.signal ? `signal ${i.lastExit.signal}` : `code ${i.lastExit.code}`}` : ''}`])
  if (i.cpu !== null || i.memory !== null) rows.push(['usage', `${i.cpu === null ? '-' : `${i.cpu.toFixed(1)}% cpu`}, ${i.memory === null ? '-' : formatBytes(i.memory)}`])
  rows.push(['host', i.host])
  rows.push(['command', command(d.command)])
  rows.push(['cwd', d.cwd])
  rows.push(['env', `${d.env.length > 0 ? d.env.join(' ') : '-'}${d.inheritedEnv > 0 ? paint('gray', ` (+ ${d.inheritedEnv} inherited)`) : ''}`])
  if (d.port !== null) rows.push(['port', String(d.port)])
  rows.push(['cgroup', d.cgroup ?? '-'])
  rows.push(['ready', probeLine(d.probes.ready, paint)])
  rows.push(['liveness', probeLine(d.probes.liveness, paint)])
  rows.push(['stdout', d.logs.stdout])
  rows.push(['stderr', d.logs.stderr])
  const width = Math.max(...rows.map(([k]) => k.length))
  const out = [`${paint('bold', `${d.stack}/${i.name}`)} ${paint('gray', `(runner ${i.runner}, group ${i.group}${i.oneshot ? ', oneshot' : ''}; ${d.config})`)}`]
  for (const [key, value] of rows) out.push(`${paint('gray', key.padEnd(width))}  ${value}`)
  out.push(`${paint('gray', 'exits'.padEnd(width))}  ${d.exits.length === 0 ? '-' : paint('gray', d.exits.length === 1 ? 'the last one' : `the last ${d.exits.length}, oldest first`)}`)
  for (const e of d.exits) {
    const how = e.signal ? `signal ${e.signal}` : `code ${e.code}`
    out.push(`  ${e.at}  ${how.padEnd(14)}  ${(e.state ?? '-').padEnd(8)}  ${e.reason ?? ''}${e.reasonCode ? paint('gray', ` [${e.reasonCode}]`) : ''}`.trimEnd())
  }
  return `${out.join('\n')}\n`
}
