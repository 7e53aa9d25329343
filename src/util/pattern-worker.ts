// A user's pattern — `mar logs --grep`, a `ready: {log: …}` probe — matched
// where it cannot hold the event loop of the daemon (or of `mar up -f`, or of
// a remote host's agent). RE2 (re2js) matches in time linear in the line,
// but the factor is the pattern's size: its lazy DFA gives up past a memory
// budget and the NFA that takes over walks every state for every character,
// so `\pL{1000}\pN` took 8 s on one 3000-character line in the daemon, and
// 300 such lines stalled every client for over five minutes; compiling a 4 KB
// pattern alone takes a second. So a user's pattern is never compiled on the
// event loop, and matched there only where that is cheap by construction (a
// small program times a short line, a few milliseconds at worst); everything
// else goes to a worker thread, which a line that takes too long gets
// terminated with, ending that request with one clear error. Lines matched
// inline give the loop a turn every few ms.
//
// The worker runs servePatterns below. Installed from npm it is that
// function's source with re2js from node_modules; in the remote agent (one
// bundled file, no node_modules) it is the agent's own file, started with
// workerData.marPatternWorker (agent-main.ts), where re2js is bundled in.
import {createRequire} from 'node:module'
import {Worker, type MessagePort} from 'node:worker_threads'
import {MarError} from './errors.js'
import {compileUserPattern, MAX_PATTERN_CHARS, type LineMatcher} from './user-pattern.js'

/** Programs up to this many instructions are also compiled inline (microseconds). */
const INLINE_STEPS = 100
/** Instructions × characters matched inline; past it a line goes to the worker. Worst case a few ms. */
const INLINE_COST = 20_000
/** Inline matching gives the event loop a turn after this long. */
const SLICE_MS = 10
/** One line (or the compile) may take the worker this long; then it is terminated and the request fails. */
const LINE_DEADLINE_MS = 10_000

/** What the worker thread runs: compiles (cached) and matches on request. Self-contained: its source is the worker's. */
export function servePatterns(port: Pick<MessagePort, 'on' | 'postMessage'>, engine: {compile(pattern: string): {test(text: string): boolean; re2Input: {numberOfInstructions(): number}}}): void {
  const compiled = new Map<string, ReturnType<typeof engine.compile>>()
  port.on('message', ({id, pattern, text}: {id: number; pattern: string; text?: string}) => {
    try {
      let re = compiled.get(pattern)
      if (!re) {
        re = engine.compile(pattern)
        compiled.set(pattern, re)
        if (compiled.size > 32) compiled.delete(compiled.keys().next().value as string)
      }
      port.postMessage(text === undefined ? {id, steps: re.re2Input.numberOfInstructions()} : {id, matched: re.test(text)})
    } catch (error) {
      port.postMessage({id, error: String((error as Error | undefined)?.message ?? error)})
    }
  })
}

const WORKER_SOURCE = `const {parentPort, workerData} = require('node:worker_threads');\n(${servePatterns.toString()})(parentPort, require(workerData.re2js).RE2JS)\n`

/** The agent's file, when this runs in the bundled agent: its worker is that file (see the top). */
let bundledWorkerScript: string | null = null
export function usePatternWorkerScript(file: string): void {
  bundledWorkerScript = file
}

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
  /** Where the pattern came from (`--grep`, `log probe`), for its error. */
  what: string
}

let re2jsPath: string | null | undefined
/** Where re2js is, for the worker; null where it is bundled in (the remote agent). */
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

/** One worker per process, started at the first pattern, not keeping the process alive. */
class PatternWorker {
  private worker: Worker | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  ask(what: string, pattern: string, text?: string): Promise<Reply> {
    const worker = this.start()
    const id = this.nextId++
    return new Promise<Reply>((resolve, reject) => {
      const slow = `the pattern took over ${LINE_DEADLINE_MS / 1000}s ${text === undefined ? 'to compile' : `on one line of ${text.length} characters`}`
      const timer = setTimeout(() => this.fail(slow, 'use a smaller pattern (fewer and smaller repetitions such as {1000})'), LINE_DEADLINE_MS)
      this.pending.set(id, {resolve, reject, timer, what})
      worker.postMessage({id, pattern, text})
    })
  }

  private start(): Worker {
    if (this.worker) return this.worker
    const resourceLimits = {maxOldGenerationSizeMb: 256}
    const path = re2js()
    const worker = path
      ? new Worker(WORKER_SOURCE, {eval: true, workerData: {re2js: path}, resourceLimits})
      : new Worker(bundledWorkerScript!, {workerData: {marPatternWorker: true}, resourceLimits})
    worker.unref()
    worker.on('message', (reply: Reply) => {
      const pending = this.pending.get(reply.id)
      if (!pending) return
      this.pending.delete(reply.id)
      clearTimeout(pending.timer)
      pending.resolve(reply)
    })
    worker.on('error', (error) => this.fail(`the pattern could not be run (${error.message})`, 'use a smaller pattern'))
    worker.on('exit', () => {
      if (this.worker === worker) this.fail('the pattern could not be run (its worker ended)', 'use a smaller pattern')
    })
    this.worker = worker
    return worker
  }

  /** Every request in flight fails (they share the worker that is stuck or gone); the next one starts a new worker. */
  private fail(why: string, hint: string): void {
    const worker = this.worker
    this.worker = null
    void worker?.terminate()
    for (const [id, pending] of this.pending) {
      this.pending.delete(id)
      clearTimeout(pending.timer)
      pending.reject(new MarError('bad-pattern', `${pending.what}: ${why}`, {hint}))
    }
  }
}

let shared: PatternWorker | undefined

/** Whether patterns can go to a worker here: with re2js installed, or inside the agent, which is its own worker. */
function canUseWorker(): boolean {
  return re2js() !== null || bundledWorkerScript !== null
}

/** A matcher whose request may end: from then on it refuses work, so a client that left costs the worker nothing more. */
export interface OffLoopMatcher extends LineMatcher {
  cancel(): void
}

/**
 * A matcher for a user's pattern whose work never holds the event loop for
 * long (see the top of this file). `what` names where the pattern came from
 * in its errors: `--grep`, `log probe`.
 */
export async function compileOffLoop(pattern: string, what: string): Promise<OffLoopMatcher> {
  let cancelled = false
  const check = () => {
    if (cancelled) throw new MarError('cancelled', `${what}: the request ended`)
  }
  if (pattern.length > MAX_PATTERN_CHARS || !canUseWorker()) {
    const inline = slicedInline(compileUserPattern(pattern, what))
    return {test: (text) => (check(), inline.test(text)), cancel: () => (cancelled = true)}
  }
  const worker = (shared ??= new PatternWorker())
  const reply = await worker.ask(what, pattern)
  if (reply.error !== undefined) {
    // The same words compileUserPattern gives (it fails the same way, at once: RE2 syntax is checked while parsing).
    const why = reply.error.replace(/^error parsing regexp: /, '')
    throw new MarError('bad-pattern', `${what}: ${why}`, {hint: 'patterns use RE2 syntax (no lookahead, lookbehind or backreferences)'})
  }
  const steps = Math.max(1, reply.steps ?? Number.POSITIVE_INFINITY)
  const inline = steps <= INLINE_STEPS ? slicedInline(compileUserPattern(pattern, what)) : null
  return {
    cancel: () => (cancelled = true),
    test: async (text: string) => {
      check()
      if (inline && steps * text.length <= INLINE_COST) return inline.test(text)
      const answer = await worker.ask(what, pattern, text)
      if (answer.error !== undefined) throw new MarError('bad-pattern', `${what}: ${answer.error}`)
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
