// An exclusive lock only this user can take: flock(2) on a file in the
// user's private MAR_HOME. Node has no flock binding, so util-linux's
// `flock` takes it on our own open file description (passed as its fd 3)
// and exits: the lock belongs to the description, which this process keeps
// open, so it is held until we close it or die — however we die. Children
// never inherit it (Node opens files close-on-exec), so a service left
// running cannot keep the next daemon out.
import {spawn} from 'node:child_process'
import {closeSync, constants, openSync} from 'node:fs'

export interface HeldLock {
  release(): void
}

/** Take the lock at `path` (created 0600, never through a symbolic link); null when somebody holds it. */
export async function acquireLock(path: string): Promise<HeldLock | null> {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600)
  let code: number | null
  try {
    code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('flock', ['--exclusive', '--nonblock', '3'], {stdio: ['ignore', 'ignore', 'pipe', fd]})
      let stderr = ''
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk))
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' ? new Error('flock (util-linux) is needed to lock MAR_HOME and was not found on PATH') : error),
      )
      child.once('close', (exit) => (exit === 0 || exit === 1 ? resolve(exit) : reject(new Error(`flock ${path}: ${stderr.trim() || `exit ${exit}`}`))))
    })
  } catch (error) {
    closeSync(fd)
    throw error
  }
  if (code !== 0) {
    closeSync(fd)
    return null
  }
  let held = true
  return {
    release() {
      if (!held) return
      held = false
      closeSync(fd)
    },
  }
}
