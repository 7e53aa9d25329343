// The spool's base (bytes collapsed out of its front so far) on disk, and
// the marker of a collapse under way. The helper shell's step is: write the
// next base to `out.base.tmp` (the marker), collapse, rename the marker over
// `out.base`. The shell finishes a step even when the daemon is killed, so a
// daemon started meanwhile waits for the marker to go before trusting the
// base; a marker that stays means the shell itself was killed mid-step, and
// the store settles which base is true by the bytes it copied last
// (spool.ts `settle`).
import {closeSync, constants, lstatSync, openSync, renameSync, writeSync} from 'node:fs'
import {open, readFile} from 'node:fs/promises'

/** How long a new daemon waits for a collapse step that a dead daemon's helper is finishing. */
const PENDING_WAIT_MS = 5_000

export const pendingPath = (path: string): string => `${path}.tmp`

/** The recorded base; 0 when there is none (a new spool, or a layout from before collapses). */
export async function readBase(path: string): Promise<number> {
  const text = await readSmall(path)
  return text === undefined ? 0 : parseBase(path, text)
}

/** Replace the base file atomically (written beside it, then renamed over it; also ends a marker). */
export function writeBase(path: string, base: number): void {
  const temp = pendingPath(path)
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600)
  try {
    writeSync(fd, `${base}\n`)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, path)
}

/** Wait (bounded) for a collapse step under way to finish; the base it meant to record if its marker stays. */
export async function awaitPending(path: string): Promise<number | undefined> {
  const marker = pendingPath(path)
  const deadline = Date.now() + PENDING_WAIT_MS
  while (lstatSync(marker, {throwIfNoEntry: false})) {
    if (Date.now() > deadline) {
      const text = await readSmall(marker)
      return text === undefined ? undefined : parseBase(marker, text)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return undefined
}

async function readSmall(path: string): Promise<string | undefined> {
  try {
    const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      return await readFile(file, 'latin1')
    } finally {
      await file.close()
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function parseBase(path: string, text: string): number {
  const base = Number(text.trim())
  if (text.trim() === '' || !Number.isSafeInteger(base) || base < 0) throw new Error(`${path}: not a byte count (${JSON.stringify(text.slice(0, 40))})`)
  return base
}
