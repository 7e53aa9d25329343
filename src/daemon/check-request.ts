// Requests are checked at the door, against the protocol's map: a method the
// daemon knows, with params of the right shape. What passes is what the
// handlers may rely on; anything else is a `bad-request` error reply and
// never reaches a stack.
import {callMethods, streamMethods, type Method, type ParamsOf, type RequestFrame} from '../api/protocol.js'
import {MarError} from '../util/errors.js'

type Shape = 'string' | 'number' | 'boolean' | 'object' | 'strings' | 'stack-ref' | 'plan' | 'stream'

/**
 * Bounds on what one request may ask, so that no request costs the daemon
 * without limit: names and patterns are short, target lists and line
 * counts finite.
 */
export const REQUEST_LIMITS = {stringChars: 4096, targets: 10_000, lines: 1_000_000}
type Spec = Record<string, {shape: Shape; optional?: boolean; nullable?: boolean}>

const targets = {stack: {shape: 'stack-ref'}, targets: {shape: 'strings'}} as const satisfies Spec

const specs: {[M in Method]: Spec} = {
  ping: {},
  status: {},
  up: {plan: {shape: 'plan'}, targets: {shape: 'strings'}, held: {shape: 'strings', optional: true}},
  reload: {plan: {shape: 'plan'}, dryRun: {shape: 'boolean'}},
  down: {...targets, keep: {shape: 'boolean', optional: true}},
  start: targets,
  stop: targets,
  restart: targets,
  signal: {...targets, signal: {shape: 'string'}},
  describe: {stack: {shape: 'stack-ref'}, target: {shape: 'string'}},
  scale: {stack: {shape: 'stack-ref'}, runner: {shape: 'string'}, scale: {shape: 'number'}},
  'clear-logs': {stack: {shape: 'string'}},
  'daemon-stop': {keep: {shape: 'boolean'}},
  cancel: {target: {shape: 'number'}},
  logs: {
    stack: {shape: 'stack-ref', nullable: true},
    targets: {shape: 'strings'},
    lines: {shape: 'number'},
    sinceMs: {shape: 'number', optional: true},
    grep: {shape: 'string', optional: true},
    follow: {shape: 'boolean'},
    after: {shape: 'string', optional: true},
    stream: {shape: 'stream', optional: true},
  },
  watch: {usage: {shape: 'boolean', optional: true}},
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function fits(value: unknown, shape: Shape): boolean {
  switch (shape) {
    case 'string':
      return typeof value === 'string' && value.length <= REQUEST_LIMITS.stringChars
    case 'stream':
      return value === 'stdout' || value === 'stderr'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER
    case 'boolean':
      return typeof value === 'boolean'
    case 'object':
      return isObject(value)
    case 'strings':
      return Array.isArray(value) && value.length <= REQUEST_LIMITS.targets && value.every((item) => typeof item === 'string' && item.length <= REQUEST_LIMITS.stringChars)
    case 'stack-ref':
      return isObject(value) && (value.name === undefined || typeof value.name === 'string') && (value.config === undefined || typeof value.config === 'string')
    case 'plan':
      return isObject(value) && typeof value.name === 'string' && typeof value.configPath === 'string' && Array.isArray(value.groups) && Array.isArray(value.startOrder)
  }
}

const methods = new Set<string>([...callMethods, ...streamMethods])

/** The request a frame is, or a `bad-request` error saying what is wrong with it. */
export function checkRequest(frame: unknown): RequestFrame {
  const bad = (why: string) => new MarError('bad-request', why)
  if (!isObject(frame)) throw bad('a request must be a JSON object')
  if (typeof frame.id !== 'number' || !Number.isSafeInteger(frame.id)) throw bad('a request needs a numeric id')
  if (typeof frame.method !== 'string' || !methods.has(frame.method)) throw bad(`unknown method ${JSON.stringify(frame.method)}`)
  const method = frame.method as Method
  const params = frame.params ?? {}
  if (!isObject(params)) throw bad(`${method}: params must be an object`)
  for (const [key, {shape, optional, nullable}] of Object.entries(specs[method])) {
    const value = params[key]
    if (value === undefined && optional) continue
    if (value === null && nullable) continue
    if (!fits(value, shape)) throw bad(`${method}: ${key} must be ${shape === 'strings' ? `a list of at most ${REQUEST_LIMITS.targets} strings` : shape === 'stack-ref' ? 'a stack reference ({name} or {config})' : shape === 'plan' ? 'a plan (name, configPath, groups, startOrder)' : shape === 'stream' ? '"stdout" or "stderr"' : shape === 'string' ? `a string of at most ${REQUEST_LIMITS.stringChars} characters` : `a ${shape}`}`)
  }
  if (method === 'logs' && (!Number.isInteger(params.lines) || (params.lines as number) < 0 || (params.lines as number) > REQUEST_LIMITS.lines)) {
    throw bad(`logs: lines must be a whole number from 0 to ${REQUEST_LIMITS.lines}`)
  }
  return {id: frame.id, method, params: params as ParamsOf<typeof method>} as RequestFrame
}
