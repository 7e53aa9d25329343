// The config loader against generated documents (issue 12, "Show it"):
// random structures over mar's own keys with random scalars (control bytes,
// huge numbers, durations past Node's timers, odd unicode), deep nesting,
// raw text and env files. Whatever comes in, loadStack returns a plan or
// config issues, each one line without raw control bytes, within a time
// budget; and a plan it accepts is one the daemon's own check accepts.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
import {stringify} from 'yaml'
import {afterAll, describe, expect, it} from 'vitest'
import {formatIssue} from '../../../src/config/issues.js'
import {loadStack, type LoadResult} from '../../../src/config/load.js'
import {packPlan} from '../../../src/config/plan-pack.js'
import {checkPlan} from '../../../src/daemon/check-plan.js'
import {deadline} from '../../helpers/deadline.js'

const dir = mkdtempSync(join(tmpdir(), 'mar-fuzz-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
/** Plans accepted, so checkPlan is seen to run (most random documents are rejected). */
let accepted = 0

/** Generous: a case takes milliseconds; a superlinear step or a hang takes seconds. */
const BUDGET_MS = 5000
const RAW_CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/

async function loadText(yaml: string, envFile?: string): Promise<LoadResult> {
  writeFileSync(join(dir, 'mar.yaml'), yaml)
  if (envFile !== undefined) writeFileSync(join(dir, 'fuzz.env'), envFile)
  const started = performance.now()
  const result = await loadStack({cwd: dir, env: {PATH: '/usr/bin:/bin', HOME: '/home/fuzz', SHELL_VALUE: 'x\u001b[31m'}})
  expect(performance.now() - started, 'time budget of one case').toBeLessThan(BUDGET_MS)
  return result
}

/** The contract: a plan the daemon takes, or issues that are each one clean line. */
function assertContract(result: LoadResult): void {
  accepted += result.ok ? 1 : 0
  if (result.ok) {
    expect(() => checkPlan(result.plan), 'validate accepts ⇒ the daemon accepts').not.toThrow()
    expect(() => checkPlan(JSON.parse(JSON.stringify(packPlan(result.plan)))), 'packed, as `up` sends it').not.toThrow()
    return
  }
  expect(result.errors.length).toBeGreaterThan(0)
  for (const issue of result.errors) {
    for (const text of [issue.message, issue.hint ?? '', formatIssue(issue, dir)]) {
      expect(text, 'no raw control bytes, one line').not.toMatch(RAW_CONTROL)
      expect(text.length).toBeLessThan(1000)
    }
  }
}

const nasty = fc.constantFrom('\0', '\x1b[2J', '\x1b]0;title\x07', '\r', '\n', '\t', '\x7f', '\u0085', '\u2028', '\u202e', '\ufeff', '💥', 'é', '\ud800', '${HOME}', '${NOPE}', '${A:-b}', '$$', '"', "'", ': ', '#', '&a', '*a', '!!str', '- ', '{', '[')
const text = fc.oneof(
  fc.string({maxLength: 20}),
  fc.string({unit: 'binary', maxLength: 20}),
  fc.array(fc.oneof(fc.string({maxLength: 5}), nasty), {maxLength: 6}).map((parts) => parts.join('')),
  fc.constantFrom('x'.repeat(150), 'y'.repeat(200_000), 'echo hi', 'sleep 1', 'SIGTERM', 'TERM', '9', 'notify', 'always', 'ordered', 'one-for-all', 'local', 'web'),
)
const duration = fc.oneof(fc.constantFrom('0', '250ms', '2s', '5m', '1h', '596h', '597h', '600h', '2147483647ms', '2147483648ms', '1.5s', '1m30s', '99999999999999999999999h', 'forever', '-1s'), text)
const size = fc.oneof(fc.constantFrom('0', '512K', '1G', '9007199254740993', '99999999T', '1.5M'), fc.integer())
const number = fc.oneof(fc.integer({min: -2, max: 12}), fc.constantFrom(0, 1, 65_535, 65_536, 10_000, 10_001, 1_000_000, 2 ** 31, 2 ** 53 + 2, 1e308, -0, 0.5, Number.MAX_SAFE_INTEGER), fc.double())
const scalar = fc.oneof(text, number, fc.boolean(), fc.constant(null), duration)

/** A value at `depth`: mostly what the key means, sometimes anything. */
function anything(depth: number): fc.Arbitrary<unknown> {
  if (depth <= 0) return scalar
  return fc.oneof(
    {weight: 4, arbitrary: scalar},
    {weight: 1, arbitrary: fc.array(anything(depth - 1), {maxLength: 3})},
    {weight: 1, arbitrary: fc.dictionary(fc.oneof(text, fc.constantFrom('cmd', 'env', 'after', 'tcp')), anything(depth - 1), {maxKeys: 3})},
  )
}
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, {nil: undefined, freq: 2})
const probe = fc.oneof(
  fc.constant('notify'),
  fc.record({tcp: fc.oneof(number, text, fc.constant('${PORT}'), fc.constant('h'.repeat(300) + ':80')), timeout: maybe(duration), interval: maybe(duration)}, {requiredKeys: ['tcp']}),
  fc.record({http: fc.oneof(text, fc.constant('http://127.0.0.1:${PORT}/\0')), status: maybe(number)}, {requiredKeys: ['http']}),
  fc.record({exec: fc.oneof(text, fc.array(text, {maxLength: 3}))}),
  fc.record({log: text}),
  fc.record({after: duration, timeout: maybe(duration)}, {requiredKeys: ['after']}),
  anything(2),
)
const runner = fc.oneof(
  {weight: 1, arbitrary: text},
  {weight: 6, arbitrary: fc.record(
    {
      cmd: fc.oneof(text, fc.array(text, {minLength: 0, maxLength: 3}), fc.constant('echo hi')),
      cwd: maybe(text),
      env: maybe(fc.dictionary(fc.oneof(fc.constantFrom('A', 'B_2', 'PATH', 'PORT'), text), fc.oneof(text, number, fc.boolean()), {maxKeys: 4})),
      env_file: maybe(fc.oneof(fc.constantFrom('fuzz.env', '/dev/zero', '.', 'missing.env'), text)),
      scale: maybe(number),
      port: maybe(number),
      ready: maybe(probe),
      health: maybe(probe),
      restart: maybe(fc.oneof(fc.constantFrom('always', 'never', 'on-failure'), fc.record({policy: maybe(text), backoff: maybe(fc.record({initial: maybe(duration), max: maybe(duration), factor: maybe(number)})), limit: maybe(fc.oneof(text, fc.constantFrom('5/60s', '2000000/1s', '1/600h')))}))),
      stop: maybe(fc.record({signal: maybe(fc.oneof(text, number)), timeout: maybe(duration), cmd: maybe(text)})),
      oneshot: maybe(fc.oneof(fc.boolean(), text)),
      memory_limit: maybe(size),
      resources: maybe(fc.record({cpu: maybe(number), memory: maybe(size)})),
      watch: maybe(fc.oneof(fc.array(text, {maxLength: 2}), fc.record({paths: fc.array(text, {maxLength: 2}), debounce: maybe(duration)}))),
      log: maybe(fc.record({max_size: maybe(size), keep: maybe(number)})),
    },
    {requiredKeys: ['cmd']},
  )},
  {weight: 1, arbitrary: anything(3)},
)
const name = fc.oneof(fc.constantFrom('web', 'api', 'db', 'a'.repeat(100), 'b'.repeat(101), 'local'), text)
const runners = fc.dictionary(name, runner, {minKeys: 1, maxKeys: 3})
const config = fc.record(
  {
    name: maybe(fc.oneof(name, fc.constant('s'.repeat(300)), fc.constant('${HOME}'))),
    env_file: maybe(fc.oneof(fc.constant('fuzz.env'), fc.array(fc.constantFrom('fuzz.env', '/dev/null', 'nope.env'), {maxLength: 2}))),
    env: maybe(fc.dictionary(fc.oneof(fc.constantFrom('A', 'NUL'), text), fc.oneof(text, fc.constant('a\0b')), {maxKeys: 3})),
    hosts: maybe(fc.dictionary(name, fc.oneof(fc.record({cpus: maybe(number), memory: maybe(size), labels: maybe(fc.array(name, {maxLength: 2}))}), anything(2)), {maxKeys: 2})),
    groups: maybe(fc.dictionary(name, fc.record({strategy: maybe(text), restart: maybe(text), depends_on: maybe(fc.array(name, {maxLength: 3})), runners}, {requiredKeys: ['runners']}), {maxKeys: 3})),
    runners: maybe(runners),
  },
  {noNullPrototype: true},
)
const envFile = fc.oneof(
  fc.array(fc.oneof(fc.tuple(fc.constantFrom('A', 'B', 'PORT', 'X_1'), text).map(([k, v]) => `${k}=${v}`), text, fc.constantFrom('export A="multi\nline"', 'B="unclosed', "C='x' trailing", `${'K'.repeat(5000)}=v`)), {maxLength: 6}).map((lines) => lines.join('\n')),
  fc.string({unit: 'binary', maxLength: 200}),
)

/** Near the edge: documents of the right shape whose values sit on either side of a limit. */
const edgy = <T>(ok: T[], over: T[]) => fc.oneof({weight: 15, arbitrary: fc.constantFrom(...ok)}, {weight: 1, arbitrary: fc.constantFrom(...over)})
const plainText = fc.string({maxLength: 12}).map((t) => t.replace(/[\0$]/g, ''))
const validName = edgy(['web', 'api', 'w-1', 'A_b', 'a'.repeat(100)], ['b'.repeat(101), 'x.y'])
const validDuration = edgy(['0', '10ms', '1s', '596h', '2147483647ms', '1m30s'], ['2147483648ms', '600h'])
const validProbe = fc.oneof(
  fc.constant('notify'),
  fc.record({tcp: edgy<number | string>([5432, '${PORT}', 'db:80'], [`${'h'.repeat(300)}:80`]), timeout: maybe(validDuration), interval: maybe(edgy(['1ms', '1s'], ['0']))}, {requiredKeys: ['tcp']}),
  fc.record({http: edgy(['http://127.0.0.1:${PORT}/health', 'https://x/'], ['http://x/\0', `http://x/${'p'.repeat(5000)}`])}),
  fc.record({exec: fc.oneof(plainText.map((t) => `true ${t}`), fc.array(plainText, {minLength: 1, maxLength: 3}).map((a) => ['true', ...a]))}),
  fc.record({log: edgy(['ready', '^listening on \\d+$'], ['a\0b', '(?=x)'])}),
  fc.record({after: validDuration}),
)
const validRunner = fc.oneof(
  plainText.map((t) => `echo ${t}`),
  fc.record(
    {
      cmd: fc.oneof(plainText.map((t) => `echo ${t}`), fc.array(plainText, {maxLength: 3}).map((a) => ['echo', ...a]), edgy(['x'], ['a\0b', ['']])),
      env: maybe(fc.dictionary(edgy(['A', 'B_2', 'LONG'], ['K'.repeat(5000)]), fc.oneof(plainText, edgy(['${HOME}', '${PORT:-1}'], ['a\0b', 'v'.repeat(140_000)])), {maxKeys: 3})),
      env_file: maybe(fc.constantFrom('fuzz.env', 'missing.env')),
      scale: maybe(edgy([0, 1, 3], [10_000, 10_001])),
      port: maybe(edgy([3000, 65_535], [65_536])),
      ready: maybe(validProbe),
      health: maybe(validProbe.filter((p) => typeof p === 'string' || !('after' in p))),
      restart: maybe(fc.record({policy: maybe(fc.constantFrom('always', 'never')), backoff: maybe(fc.record({initial: maybe(validDuration), max: maybe(validDuration), factor: maybe(edgy([1, 2.5, 1000], [1001])) })), limit: maybe(edgy(['5/60s', '1000000/596h'], ['1000001/1s', '1/600h']))})),
      stop: maybe(fc.record({signal: maybe(edgy(['SIGINT', 'TERM', 9], ['SIGNOPE', 0])), timeout: maybe(validDuration), cmd: maybe(plainText.map((t) => `kill ${t}`))})),
      memory_limit: maybe(edgy(['1', '512M', '8191T'], ['0', '9007199254740993'])),
      resources: maybe(fc.record({cpu: maybe(edgy([0.5, 1_000_000], [1_000_001])), memory: maybe(edgy(['1M'], ['99999999T']))})),
      watch: maybe(edgy<unknown>([['src'], {paths: 'src', ignore: ['*.log'], debounce: '1s'}], [{paths: ['a\0'], debounce: '600h'}])),
      log: maybe(fc.record({max_size: maybe(edgy(['1', '10M'], ['0'])), keep: maybe(edgy([0, 1000], [1001]))})),
    },
    {requiredKeys: ['cmd']},
  ),
)
const nearValid = fc.record(
  {
    name: maybe(edgy(['shop', 'a'.repeat(100), '${NAME:-x}'], ['s'.repeat(101), 'a/b'])),
    env: maybe(fc.dictionary(edgy(['A', 'B'], ['C']), edgy(['x', '${HOME}'], ['a\0b']), {maxKeys: 2})),
    hosts: maybe(fc.dictionary(validName, fc.record({cpus: maybe(edgy([2], [0])), labels: maybe(fc.array(validName, {maxLength: 2}))}), {maxKeys: 2})),
    groups: fc.dictionary(validName, fc.record({strategy: maybe(fc.constantFrom('parallel', 'ordered')), depends_on: maybe(fc.array(edgy(['web', 'api'], ['nope']), {maxLength: 3})), runners: fc.dictionary(validName, validRunner, {minKeys: 1, maxKeys: 3})}, {requiredKeys: ['runners']}), {minKeys: 1, maxKeys: 3}),
  },
  {requiredKeys: ['groups']},
)
const validEnvFile = fc.array(fc.tuple(edgy(['FOO', 'PORT', 'X_1'], ['BAD']), edgy(['v', '"quoted"', "'single'"], ['a\0b', 'x\x1b[31m'])).map(([k, v]) => `${k}=${v}`), {maxLength: 4}).map((lines) => lines.join('\n'))

/** Deep nesting, flow or block, or a document cut and spliced with bytes it should not hold. */
const rawDocument = fc.oneof(
  fc.integer({min: 1, max: 3000}).map((n) => `runners:\n  web:\n    cmd: ${'['.repeat(n)}${']'.repeat(n)}\n`),
  fc.integer({min: 1, max: 1000}).map((n) => `runners:\n  web:\n    cmd:\n${Array.from({length: n}, (_, i) => `${' '.repeat(6 + i)}a:`).join('\n')}\n`),
  fc.integer({min: 1, max: 2000}).map((n) => `runners:\n  web: ${'- '.repeat(n)}x\n`),
  fc.integer({min: 1, max: 200}).map((n) => `a: &a [x]\n${Array.from({length: n}, (_, i) => `a${i}: &a${i + 1} [*a${i === 0 ? '' : i}]`).join('\n')}\nrunners: {web: echo}\n`),
  fc.tuple(config, fc.array(fc.tuple(fc.nat(), fc.oneof(nasty, fc.string({unit: 'binary', maxLength: 3}))), {maxLength: 4})).map(([value, edits]) => {
    let yaml = stringify(value)
    for (const [at, insert] of edits) {
      const i = at % (yaml.length + 1)
      yaml = yaml.slice(0, i) + insert + yaml.slice(i)
    }
    return yaml
  }),
  fc.string({unit: 'binary', maxLength: 300}),
)

describe('the config loader under generated input', () => {
  it('structured documents over mar keys: a plan the daemon accepts, or clean issues', async () => {
    await fc.assert(
      fc.asyncProperty(config, envFile, async (value, env) => assertContract(await loadText(stringify(value), env))),
      {numRuns: 500},
    )
  }, deadline(240_000))

  it('documents near the limits: accepted ones pass the daemon\'s check of plans', async () => {
    await fc.assert(
      fc.asyncProperty(nearValid, validEnvFile, async (value, env) => assertContract(await loadText(stringify(value), env))),
      {numRuns: 500},
    )
    expect(accepted, 'some generated plans are accepted').toBeGreaterThan(40)
  }, deadline(240_000))

  it('raw, deep, aliased and spliced text', async () => {
    await fc.assert(
      fc.asyncProperty(rawDocument, envFile, async (yaml, env) => assertContract(await loadText(yaml, env))),
      {numRuns: 300},
    )
  }, deadline(240_000))
})
