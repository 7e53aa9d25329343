// Giving back the disk space of log bytes that rotation dropped, without
// truncating the file the child still appends to: punch a hole (util-linux
// `fallocate -p`; Node has no binding for fallocate(2)).
//
// One long-lived /bin/sh per daemon runs `fallocate` for each request:
// forking the daemon itself for every punch would copy its page tables
// and leave its heap copy-on-write. Where fallocate is missing or the file
// system refuses, the store keeps going without punching and stops trying
// (the log file then keeps what rotation dropped on disk).
import {spawn, type ChildProcessByStdio} from 'node:child_process'
import type {Readable, Writable} from 'node:stream'
import {createInterface} from 'node:readline'

type Helper = ChildProcessByStdio<Writable, Readable, null>

const BLOCK = 4096
const LOOP = `command -v "$0" >/dev/null 2>&1 || { echo missing; exit 0; }
while read -r len path; do
  if "$0" -p -o 0 -l "$len" "$path" 2>/dev/null; then echo ok; else echo fail; fi
done`

/** A helper that died this often in a row is not started again: something kills it, and each start forks the daemon. */
const MAX_DEATHS = 3

interface Shell {
  child: Helper
  /** Answers due from this shell, in order. */
  waiting: Array<(answer: string) => void>
}

/** Runs fallocate requests in order through one shell; answers come back in the same order. */
class PunchHelper {
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

  run(length: number, path: string): Promise<string> {
    if (this.deaths >= MAX_DEATHS) return Promise.resolve('lost')
    const shell = this.shell ?? this.start()
    // Held while an answer is due (a daemon closing its logs awaits it), never otherwise.
    if (shell.waiting.length === 0) this.hold(shell.child, true)
    return new Promise((resolve) => {
      shell.waiting.push(resolve)
      shell.child.stdin.write(`${length} ${path}\n`)
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
    const child = spawn('/bin/sh', ['-c', LOOP, this.command], {stdio: ['pipe', 'pipe', 'ignore']})
    const shell: Shell = {child, waiting: []}
    this.shell = shell
    // Never what keeps the daemon up; it ends when the daemon goes (its stdin closes).
    this.hold(child, false)
    child.stdin.on('error', () => {})
    createInterface({input: child.stdout}).on('line', (answer) => {
      if (answer === 'missing') this.missing = true
      if (answer === 'ok') this.deaths = 0
      shell.waiting.shift()?.(answer)
      if (shell.waiting.length === 0) this.hold(child, false)
    })
    const gone = () => {
      if (this.shell === shell) this.shell = undefined
      // Not the file system's answer: the next request starts a new shell.
      if (shell.waiting.length > 0) this.deaths++
      for (const resolve of shell.waiting.splice(0)) resolve('lost')
    }
    // 'close', not 'exit': answers it wrote before it ended are read first.
    child.once('close', gone)
    child.once('error', gone)
    return shell
  }
}

const helpers = new Map<string, PunchHelper>()

/** Pids of the running helper shells (for tests). */
export function punchHelperPids(): number[] {
  return [...helpers.values()].flatMap((helper) => (helper.pid === undefined ? [] : [helper.pid]))
}

/** End the helper shells, e.g. when the daemon shuts down or a test ends. */
export function stopHolePunchers(): void {
  for (const helper of helpers.values()) helper.stop()
  helpers.clear()
}

export class HolePuncher {
  private refused = false
  private readonly helper: PunchHelper

  /** `command` is for tests (a name that does not exist). */
  constructor(command = 'fallocate') {
    let helper = helpers.get(command)
    if (!helper) helpers.set(command, (helper = new PunchHelper(command)))
    this.helper = helper
  }

  get usable(): boolean {
    return !this.helper.unusable && !this.refused
  }

  /** Deallocate bytes [0, length) of `file`, rounded down to whole blocks; resolves whether it worked. */
  async punch(file: string, length: number): Promise<boolean> {
    const blocks = Math.floor(length / BLOCK) * BLOCK
    if (!this.usable || blocks <= 0 || /[\n\r]/.test(file)) return false
    const answer = await this.helper.run(blocks, file)
    // A helper that died (killed, out of memory) is no reason to stop punching; a refusal is.
    if (answer !== 'ok' && answer !== 'lost') this.refused = true
    return answer === 'ok'
  }
}
