// Giving back the disk space of spool bytes already copied into the plain
// log files, while the child keeps appending to the spool: fallocate
// collapse-range removes the consumed prefix (whole blocks; ext4, xfs), and
// the child's O_APPEND writes go on at the new end. Node has no binding for
// fallocate(2), so util-linux `fallocate` runs in one long-lived /bin/sh per
// daemon (forking the daemon per request would copy its page tables).
//
// A collapse shifts every offset of the spool, so the helper records the new
// base (bytes collapsed so far) in the same shell step: write it to
// `base.tmp` (which marks a step under way), collapse, `mv base.tmp base`.
// The shell runs in its own session and finishes the step it read even when
// the daemon is killed (-9) meanwhile (it ends at the next read, on EOF), so
// a daemon's death cannot separate a collapse from its base; a new daemon
// waits for the marker to go (spool-base.ts). Where the file system refuses collapse (tmpfs,
// ext2/3, NFS), the store falls back to punching holes (`fallocate -p`): the
// spool then keeps its apparent size (it is sparse and hidden, outside the
// log directory); the plain log files are the same either way.
import {spawn, type ChildProcessByStdio} from 'node:child_process'
import {createInterface} from 'node:readline'
import type {Readable, Writable} from 'node:stream'

type Helper = ChildProcessByStdio<Writable, Readable, null>

// set -C: the one redirection below creates its file with O_EXCL, so never through a symlink planted at its name.
const LOOP = `umask 077
set -C
command -v "$0" >/dev/null 2>&1 || { echo missing; exit 0; }
while read -r op len base && read -r file && read -r basefile; do
  if [ "$op" = c ]; then
    if ! printf '%s\\n' "$base" 2>/dev/null >"$basefile.tmp"; then echo skipped
    elif "$0" -c -o 0 -l "$len" "$file" 2>/dev/null; then
      if mv -f "$basefile.tmp" "$basefile"; then echo ok; else echo torn; fi
    else rm -f "$basefile.tmp"; echo fail; fi
  elif "$0" -p -o 0 -l "$len" "$file" 2>/dev/null; then echo ok; else echo fail; fi
done`

/** A helper that died this often in a row is not started again: something kills it, and each start forks the daemon. */
const MAX_DEATHS = 3

/** `ok`; `fail` (the file system refused); `torn` (collapsed, but the base file could not be written); `skipped` (the marker could not be written, e.g. one was left behind: nothing done); `lost` (the helper died); `missing` (no fallocate). */
export type ReclaimAnswer = 'ok' | 'fail' | 'torn' | 'skipped' | 'lost' | 'missing'

interface Shell {
  child: Helper
  /** Answers due from this shell, in order. */
  waiting: Array<(answer: ReclaimAnswer) => void>
}

/** Runs fallocate requests in order through one shell; answers come back in the same order. */
class ReclaimHelper {
  private shell: Shell | undefined
  private deaths = 0
  missing = false

  constructor(private readonly command: string) {}

  get pid(): number | undefined {
    return this.shell?.child.pid
  }

  /** Gone for good: fallocate is missing, or the shell keeps dying. */
  get unusable(): boolean {
    return this.missing || this.deaths >= MAX_DEATHS
  }

  run(request: string): Promise<ReclaimAnswer> {
    if (this.unusable) return Promise.resolve(this.missing ? 'missing' : 'lost')
    const shell = this.shell ?? this.start()
    // Held while an answer is due (a daemon closing its logs awaits it), never otherwise.
    if (shell.waiting.length === 0) this.hold(shell.child, true)
    return new Promise((resolve) => {
      shell.waiting.push(resolve)
      shell.child.stdin.write(request)
    })
  }

  private hold(child: Helper, held: boolean): void {
    for (const handle of [child, child.stdin, child.stdout] as unknown as Array<{ref?: () => void; unref?: () => void}>) {
      if (held) handle.ref?.()
      else handle.unref?.()
    }
  }

  /** End the shell (it also ends by itself when the daemon goes). */
  stop(): void {
    this.shell?.child.stdin.end()
    this.shell = undefined
  }

  private start(): Shell {
    // Its own session: a signal to the daemon's process group must not cut a collapse from its base.
    const child = spawn('/bin/sh', ['-c', LOOP, this.command], {stdio: ['pipe', 'pipe', 'ignore'], detached: true})
    const shell: Shell = {child, waiting: []}
    this.shell = shell
    // Never what keeps the daemon up; it ends when the daemon goes (its stdin closes).
    this.hold(child, false)
    child.stdin.on('error', () => {})
    createInterface({input: child.stdout}).on('line', (line) => {
      const answer = line as ReclaimAnswer
      if (answer === 'missing') this.missing = true
      if (answer === 'ok') this.deaths = 0
      shell.waiting.shift()?.(answer)
      if (shell.waiting.length === 0) this.hold(child, false)
    })
    const gone = () => {
      if (this.shell === shell) this.shell = undefined
      // Not the file system's answer: the next request starts a new shell.
      if (shell.waiting.length > 0) this.deaths++
      for (const resolve of shell.waiting.splice(0)) resolve(this.missing ? 'missing' : 'lost')
    }
    // 'close', not 'exit': answers it wrote before it ended are read first.
    child.once('close', gone)
    child.once('error', gone)
    return shell
  }
}

const helpers = new Map<string, ReclaimHelper>()

/** Pids of the running helper shells (for tests). */
export function reclaimHelperPids(): number[] {
  return [...helpers.values()].flatMap((helper) => (helper.pid === undefined ? [] : [helper.pid]))
}

/** End the helper shells, e.g. when the daemon shuts down or a test ends. */
export function stopReclaimHelpers(): void {
  for (const helper of helpers.values()) helper.stop()
  helpers.clear()
}

const unsafe = (path: string) => /[\n\r]/.test(path)

export class SpoolReclaimer {
  private readonly helper: ReclaimHelper

  /** `command` is for tests: a fake fallocate (one that refuses collapse, or does not exist). */
  constructor(command = 'fallocate') {
    let helper = helpers.get(command)
    if (!helper) helpers.set(command, (helper = new ReclaimHelper(command)))
    this.helper = helper
  }

  get usable(): boolean {
    return !this.helper.unusable
  }

  /** Remove bytes [0, length) of `file` (whole blocks) and then record `newBase` in `baseFile`, as one step. */
  collapse(file: string, length: number, newBase: number, baseFile: string): Promise<ReclaimAnswer> {
    if (length <= 0 || unsafe(file) || unsafe(baseFile)) return Promise.resolve('fail')
    return this.helper.run(`c ${length} ${newBase}\n${file}\n${baseFile}\n`)
  }

  /** Deallocate bytes [0, length) of `file` (whole blocks), keeping its size. */
  punch(file: string, length: number): Promise<ReclaimAnswer> {
    if (length <= 0 || unsafe(file)) return Promise.resolve('fail')
    return this.helper.run(`p ${length} 0\n${file}\n-\n`)
  }
}
