// Whether a directory is ours alone: a cache mar acts on (plans it runs,
// code V8 trusts) is read and written only there.
import {lstatSync, statSync} from 'node:fs'

export function ownedPrivately(dir: string, followLink = true): boolean {
  const info = followLink ? statSync(dir, {throwIfNoEntry: false}) : lstatSync(dir, {throwIfNoEntry: false})
  return info !== undefined && info.isDirectory() && info.uid === process.getuid?.() && (info.mode & 0o022) === 0
}
