// `mar logs --grep` in the daemon. RE2 (re2js) matches in time linear in the
// line, but the factor is the pattern's size: its lazy DFA gives up past a
// memory budget and the NFA that takes over walks every state for every
// character, so `\pL{1000}\pN` took 8 s on one 3000-character line in the
// daemon (--lite-mode), and 300 such lines stalled every client for over five
// minutes; compiling a 4 KB pattern alone takes a second. So the daemon never
// compiles a user's pattern on its event loop, and matches on it only what is
// cheap by construction (a small program times a short line, a few
// milliseconds at worst); everything else goes to a worker thread, which a
// line that takes too long gets terminated with, ending that request with one
// clear error. Lines matched inline give the loop a turn every few ms.
import {createRequire} from 'node:module'
import {Worker} from 'node:worker_threads'
import {MarError} from '../util/errors.js'
import {compileUserPattern, MAX_PATTERN_CHARS, type LineMatcher} from '../util/user-pattern.js'

/** Programs up to this many instructions are also compiled inline (microseconds). */
const INLINE_STEPS = 100
/** Instructions × characters matched inline; past it a line goes to the worker. Worst case a few ms. */
const INLINE_COST = 20_000
/** Inline matching gives the event loop a turn after this long. */
const SLICE_MS = 10
/** One line (or the compile) may take the worker this long; then it is terminated and the request fails. */
const LINE_DEADLINE_MS = 10_000

const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads')
const {RE2JS} = require(workerData.re2js)
const compiled = new Map()
parentPort.on('message', ({id, pattern, text}) => {
  try {
    let re = compiled.get(pattern)
    if (!re) {
      re = RE2JS.compile(pattern)
      compiled.set(pattern, re)
      if (compiled.size > 32) compiled.delete(compiled.keys().next().value)
    }
    parentPort.postMessage(text === undefined ? {id, steps: re.re2Input.numberOfInstructions()} : {id, matched: re.test(text)})
  } catch (error) {
    parentPort.postMessage({id, error: String((error && error.message) || error)})
  }
})
`

interface Reply {
  id: number
  steps?: number
  matched?: boolean
  error?: string
}

interface Pending {
  resolve(reply: Reply): void
  reject(error: unknown): void
  timer: NodeJS.Timeout
}

let re2jsPath: string | null | undefined
/** Where re2js is, for the worker; null where it is bundled in (the remote agent): there matching stays inline. */
function re2js(): string | null {
  if (re2jsPath === undefined) {
    try {
      re2jsPath = createRequire(import.meta.url).resolve('re2js')
    } catch {
      re2jsPath = null
    }
  }
  return re2jsPath
}

/** One worker per daemon, started at the first pattern, not keeping the process alive. */
class PatternWorker {
  private worker: Worker | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  ask(pattern: string, text?: string): Promise<Reply> {
    const worker = this.start()
    const id = this.nextId++
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new MarError('bad-pattern', `--grep: the pattern took over ${LINE_DEADLINE_MS / 1000}s ${text === undefined ? 'to compile' : `on one line of ${text.length} characters`}`, {hint: 'use a smaller pattern (fewer and smaller repetitions such as {1000})'})), LINE_DEADLINE_MS)
      this.pending.set(id, {resolve, reject, timer})
      worker.postMessage({id, pattern, text})
    })
  }

  private start(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(WORKER_SOURCE, {eval: true, workerData: {re2js: re2js()}, resourceLimits: {maxOldGenerationSizeMb: 256}})
    worker.unref()
    worker.on('message', (reply: Reply) => {
      const pending = this.pending.get(reply.id)
      if (!pending) return
      this.pending.delete(reply.id)
      clearTimeout(pending.timer)
      pending.resolve(reply)
    })
    worker.on('error', (error) => this.fail(new MarError('bad-pattern', `--grep: the pattern could not be run (${error.message})`, {hint: 'use a smaller pattern'})))
    worker.on('exit', () => {
      if (this.worker === worker) this.fail(new MarError('bad-pattern', '--grep: the pattern could not be run (its worker ended)', {hint: 'use a smaller pattern'}))
    })
    this.worker = worker
    return worker
  }

  /** Every request in flight fails (they share the worker that is stuck or gone); the next one starts a new worker. */
  private fail(error: MarError): void {
    const worker = this.worker
    this.worker = null
    void worker?.terminate()
    for (const [id, pending] of this.pending) {
      this.pending.delete(id)
      clearTimeout(pending.timer)
      pending.reject(error)
    }
  }
}

let shared: PatternWorker | undefined

/** A matcher whose request may end: from then on it refuses work, so a client that left costs the worker nothing more. */
export interface DaemonMatcher extends LineMatcher {
  cancel(): void
}

/** A matcher for a user's pattern whose work never holds the daemon's event loop for long (see the top of this file). */
export async function compileDaemonGrep(pattern: string): Promise<DaemonMatcher> {
  let cancelled = false
  const check = () => {
    if (cancelled) throw new MarError('cancelled', '--grep: the request ended')
  }
  if (pattern.length > MAX_PATTERN_CHARS || re2js() === null) {
    const inline = slicedInline(compileUserPattern(pattern, '--grep'))
    return {test: (text) => (check(), inline.test(text)), cancel: () => (cancelled = true)}
  }
  const worker = (shared ??= new PatternWorker())
  const reply = await worker.ask(pattern)
  if (reply.error !== undefined) {
    // The same words compileUserPattern gives (it fails the same way, at once: RE2 syntax is checked while parsing).
    const why = reply.error.replace(/^error parsing regexp: /, '')
    throw new MarError('bad-pattern', `--grep: ${why}`, {hint: 'patterns use RE2 syntax (no lookahead, lookbehind or backreferences)'})
  }
  const steps = Math.max(1, reply.steps ?? Number.POSITIVE_INFINITY)
  const inline = steps <= INLINE_STEPS ? slicedInline(compileUserPattern(pattern, '--grep')) : null
  return {
    cancel: () => (cancelled = true),
    test: async (text: string) => {
      check()
      if (inline && steps * text.length <= INLINE_COST) return inline.test(text)
      const answer = await worker.ask(pattern, text)
      if (answer.error !== undefined) throw new MarError('bad-pattern', `--grep: ${answer.error}`)
      return answer.matched === true
    },
  }
}

/** Matching on the event loop, with a turn for everything else every SLICE_MS. */
function slicedInline(matcher: LineMatcher): {test(text: string): boolean | Promise<boolean>} {
  let since = performance.now()
  return {
    test: (text: string) => {
      const matched = matcher.test(text) as boolean
      if (performance.now() - since < SLICE_MS) return matched
      return new Promise<boolean>((resolve) =>
        setImmediate(() => {
          since = performance.now()
          resolve(matched)
        }),
      )
    },
  }
}
