import {shownName} from '../api/targets.js'
import type {DaemonClient} from '../api/client.js'
import {compileUserPattern} from '../util/user-pattern.js'
import {clientForStack, connectDaemon} from '../api/connect.js'
import {logLineJson, type LogLineJson} from '../api/json.js'
import {parseDuration} from '../config/units.js'
import {createPaint} from '../util/colors.js'
import {programLinesFor} from '../util/terminal-text.js'
import {MarError} from '../util/errors.js'
import {splitByStack, stackRefFor} from './stack-ref.js'

export interface LogsOptions {
  config?: string
  lines: number
  follow: boolean
  since?: string
  grep?: string
  timestamps: boolean
  /** Only this stream's lines. */
  stream?: 'stdout' | 'stderr'
  json: boolean
  color: boolean
}

/** What marks a line of stderr in text output: `web.1 !| …` where stdout's is `web.1 | …` (README, "Commands"). */
export const STDERR_MARK = '!|'

export async function runLogs(targets: string[], options: LogsOptions): Promise<number> {
  let sinceMs: number | undefined
  if (options.since !== undefined) {
    const parsed = parseDuration(options.since)
    if (typeof parsed !== 'number') throw new MarError('bad-flag', `--since ${options.since}: not a duration`, {hint: 'write it like 30s, 10m or 2h'})
    sinceMs = Date.now() - parsed
  }
  // Checked here too, so a bad pattern is a usage error before anything is asked of the daemon.
  if (options.grep !== undefined) compileUserPattern(options.grep, '--grep')
  const fallback = await stackRefFor(options.config)
  const groups = fallback || targets.length > 0 ? splitByStack(targets, fallback) : [{ref: null, targets: []}]
  const paint = createPaint(options.color)
  const multiStack = groups.length > 1 || groups[0]!.ref === null
  let width = 0
  // On a terminal a line's escape sequences other than colors are shown, not obeyed; into a pipe or a file it goes as stored.
  const shownLine = programLinesFor(process.stdout)
  const print = (line: LogLineJson) => {
    // A daemon from before `stream` sends both.
    if (options.stream && line.stream !== options.stream) return
    if (options.json) return process.stdout.write(`${JSON.stringify(line)}\n`)
    const instance = shownName(line.instance, line.host)
    const name = multiStack ? `${line.stack}/${instance}` : instance
    const runner = line.instance.replace(/\.\d+$/, '')
    const time = options.timestamps ? `${paint('gray', line.time)} ` : ''
    const prefix = line.stream === 'stderr' ? `${paint.runner(runner, name.padEnd(width))} ${paint('red', STDERR_MARK)}` : paint.runner(runner, `${name.padEnd(width)} |`)
    return process.stdout.write(`${time}${prefix} ${shownLine(line.line)}\n`)
  }
  // No daemon, or a stack that is down: what was stored is still on disk.
  const fromDisk = async (why: string) => {
    const {readStoredLogs} = await import('./logs-offline.js')
    const stored = await readStoredLogs({config: options.config, targets, lines: options.lines, sinceMs, grep: options.grep, stream: options.stream})
    if (!options.json) process.stderr.write(`${paint('gray', `mar: ${why}; showing the stored lines`)}\n`)
    width = Math.max(0, ...stored.names.map((n) => n.length))
    for (const line of stored.lines) print(line)
    return 0
  }
  const canReadDisk = !options.follow && fallback !== null && groups.length === 1
  let client: DaemonClient
  try {
    // One stack: whoever runs it (a `mar up -f` elsewhere, or the daemon); several: the daemon.
    client = groups.length === 1 ? await clientForStack(groups[0]!.ref, {start: false}) : await connectDaemon({start: false})
  } catch (error) {
    if (!(error instanceof MarError) || error.code !== 'daemon-unreachable' || !canReadDisk) throw error
    return fromDisk('the daemon is not running')
  }
  // Align the prefixes to the longest instance name shown.
  if (!options.json) {
    const status = await client.call('status', {}).catch(() => ({stacks: [], hosts: []}))
    const ref = groups[0]!.ref
    const shown = multiStack ? status.stacks : status.stacks.filter((s) => s.name === ref?.name || s.config === ref?.config)
    width = Math.max(0, ...shown.flatMap((s) => s.instances.map((i) => (multiStack ? `${s.name}/${shownName(i.name, i.host)}` : shownName(i.name, i.host)).length)))
  }
  const streams = groups.map(({ref, targets: stackTargets}) =>
    client.stream('logs', {stack: ref, targets: stackTargets, lines: options.lines, sinceMs, grep: options.grep, follow: Boolean(options.follow), ...(options.stream ? {stream: options.stream} : {})}, {
      item: (line) => print(logLineJson(line)),
      notice: (notice) => process.stderr.write(`mar: ${notice.message}\n`),
    }),
  )
  const stopAll = () => {
    for (const stream of streams) stream.cancel()
    client.close()
  }
  process.once('SIGINT', stopAll)
  process.stdout.on('error', stopAll)
  try {
    await Promise.all(streams.map((s) => s.done))
  } catch (error) {
    const code = error instanceof MarError ? error.code : undefined
    if ((code === 'daemon-lost' || code === 'client-closed') && options.follow) return 0
    if (code === 'stack-not-up' && canReadDisk) return fromDisk((error as MarError).message)
    throw error
  } finally {
    process.off('SIGINT', stopAll)
    client.close()
  }
  return 0
}
