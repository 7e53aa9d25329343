// A daemon must not hand on descriptors it inherited: started from a shell,
// a CI runner or `mar up | tee`, it may have been given a pipe beyond
// stdin/stdout/stderr, and every service it spawns would hold that pipe
// open for ever — whoever waits for its end (a CI job) would wait for ever.
// Node opens all its own descriptors close-on-exec; an inherited one lacks
// the flag, which is how they are told apart.
import {closeSync, readdirSync} from 'node:fs'
import {readSmallText} from '../util/read-small.js'

const O_CLOEXEC = 0o2000000

/** Close every descriptor above 2 that is not close-on-exec; returns how many. */
export function closeInheritedFds(): number {
  let closed = 0
  let fds: string[]
  try {
    fds = readdirSync('/proc/self/fd')
  } catch {
    return 0
  }
  for (const name of fds) {
    const fd = Number(name)
    if (!(fd > 2)) continue
    const info = readSmallText(`/proc/self/fdinfo/${fd}`)
    const flags = info ? /flags:\s+([0-7]+)/.exec(info)?.[1] : undefined
    if (flags === undefined || (Number.parseInt(flags, 8) & O_CLOEXEC) !== 0) continue
    try {
      closeSync(fd)
      closed += 1
    } catch {
      // gone already (readdir's own descriptor, say)
    }
  }
  return closed
}
