// Where the daemon keeps an instance's files under MAR_HOME (src/api/home.ts).
import {join} from 'node:path'
import {safeName, type MarPaths} from '../api/home.js'

export {safeName, type MarPaths} from '../api/home.js'

export function instanceLogDir(paths: MarPaths, stack: string, instance: string): string {
  return join(paths.logs, safeName(stack), safeName(instance))
}
