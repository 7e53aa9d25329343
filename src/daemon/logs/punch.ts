// Giving back the disk space of raw bytes already copied into the store,
// without truncating the file the child still appends to: punch a hole
// (util-linux `fallocate -p`; Node has no binding for fallocate(2)). Where
// that is missing or the file system refuses, keep going without it.
import {spawn} from 'node:child_process'

const BLOCK = 4096
let fallocateMissing = false

export class HolePuncher {
  private refused = false

  get usable(): boolean {
    return !fallocateMissing && !this.refused
  }

  /** Deallocate bytes [0, length) of `file`, rounded down to whole blocks; resolves whether it worked. */
  punch(file: string, length: number): Promise<boolean> {
    const blocks = Math.floor(length / BLOCK) * BLOCK
    if (!this.usable || blocks <= 0) return Promise.resolve(false)
    return new Promise((resolve) => {
      const child = spawn('fallocate', ['-p', '-o', '0', '-l', String(blocks), file], {stdio: 'ignore'})
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') fallocateMissing = true
        else this.refused = true
        resolve(false)
      })
      child.once('exit', (code) => {
        if (code !== 0) this.refused = true
        resolve(code === 0)
      })
    })
  }
}
