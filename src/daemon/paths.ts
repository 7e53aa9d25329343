// Where the daemon keeps an instance's files under MAR_HOME (src/api/home.ts).
import {join, relative} from 'node:path'
import {safeName, type MarPaths} from '../api/home.js'

export {safeName, type MarPaths} from '../api/home.js'

export function instanceLogDir(paths: MarPaths, stack: string, instance: string): string {
  return join(paths.logs, safeName(stack), safeName(instance))
}

/**
 * Where the spools of an instance's log directory go: MAR_HOME/spool mirrors
 * MAR_HOME/logs, so the hidden files children write are never under what
 * users grep (src/daemon/logs/layout.ts).
 */
export function spoolDirFor(paths: MarPaths, logDir: string): string {
  return join(paths.spool, relative(paths.logs, logDir))
}
