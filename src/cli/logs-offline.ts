// `mar logs` without a daemon: every line is on disk in MAR_HOME/logs, so
// the last lines of a stack can be shown even after `mar daemon stop` (not
// followed: with no daemon nothing new is being stored).
import {compileUserPattern} from '../util/user-pattern.js'
import type {LogLineJson} from '../api/json.js'
import {resolveTargets} from '../api/targets.js'
import {allInstances} from '../config/types.js'
import {marPaths} from '../api/home.js'
import {instanceLogDir, spoolDirFor} from '../daemon/paths.js'
import {lineText, mergeByTime, readLastLines} from '../daemon/logs/index.js'
import {readSpoolTail} from '../daemon/logs/spool-tail.js'
import {loadPlanOrThrow} from './load-plan.js'

export interface OfflineQuery {
  config?: string
  targets: string[]
  lines: number
  sinceMs?: number
  grep?: string
  stream?: 'stdout' | 'stderr'
}

export async function readStoredLogs(query: OfflineQuery): Promise<{lines: LogLineJson[]; names: string[]}> {
  const plan = await loadPlanOrThrow(query.config, process.cwd(), {warn: () => {}})
  const names = resolveTargets(plan, query.targets)
  const hosts = new Map(allInstances(plan).map((i) => [i.name, i.host] as const))
  const paths = marPaths()
  const grep = query.grep === undefined || query.grep === '' ? undefined : compileUserPattern(query.grep, '--grep')
  const lists = await Promise.all(
    names.flatMap((name) =>
      (query.stream ? [query.stream] : (['stdout', 'stderr'] as const)).map(async (stream) => {
        const dir = instanceLogDir(paths, plan.name, name)
        const options = {limit: query.lines, sinceMs: query.sinceMs, grep}
        // What is copied into the plain files, then what a child wrote that no daemon copied yet (after a kill -9).
        const [copied, uncopied] = await Promise.all([readLastLines(dir, stream, options).catch(() => []), readSpoolTail(dir, spoolDirFor(paths, dir), stream, options).catch(() => [])])
        const stored = [...copied, ...uncopied].slice(-query.lines)
        return stored.map((line) => ({
          time: line.time,
          json: {time: new Date(line.time).toISOString(), stack: plan.name, instance: name, host: hosts.get(name) ?? 'local', stream, line: lineText(line.bytes)},
        }))
      }),
    ),
  )
  return {lines: mergeByTime(lists, query.lines).map((l) => l.json), names}
}
