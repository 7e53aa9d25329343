// The protocol fuzzed at the daemon's door (fast-check, 1 000 connections):
// random methods with random params, random JSON, random bytes. Every
// request gets an answer that is a result or a named error — never an
// internal one — and the daemon answers a ping after each connection.
import fc from 'fast-check'
import {afterEach, describe, expect, it} from 'vitest'
import {FrameReader} from '../../../src/api/framing.js'
import {callMethods, PROTOCOL_VERSION, streamMethods} from '../../../src/api/protocol.js'
import {duplexPair} from '../../../src/api/transports.js'
import {ApiServer} from '../../../src/daemon/api-server.js'
import {fakeDaemon, fakePlan, type FakeDaemon} from '../../helpers/fake-daemon.js'
import {waitFor} from '../../helpers/wait.js'
import {deadline} from '../../helpers/deadline.js'

let f: FakeDaemon | undefined
afterEach(async () => {
  await f?.cleanup()
  f = undefined
})

type Frame = {id?: number; type?: string; error?: {code?: string}}

const methods = [...callMethods, ...streamMethods]
const params = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      stack: fc.oneof(fc.constant(null), fc.constant({name: 'shop'}), fc.record({name: fc.string()}, {requiredKeys: []}), fc.jsonValue()),
      targets: fc.oneof(fc.array(fc.oneof(fc.constantFrom('web', 'web.1', 'worker', 'app', 'shop/web'), fc.string()), {maxLength: 4}), fc.jsonValue()),
      lines: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
      follow: fc.boolean(),
      grep: fc.oneof(fc.string(), fc.constantFrom('(a+)+$', '[', '(?=x)')),
      after: fc.string(),
      signal: fc.oneof(fc.constantFrom('SIGTERM', 'HUP', '9', 'SIGFOO'), fc.string()),
      plan: fc.jsonValue(),
      dryRun: fc.jsonValue(),
      keep: fc.boolean(),
      target: fc.oneof(fc.integer(), fc.string()),
      stream: fc.oneof(fc.constantFrom('stdout', 'stderr'), fc.string()),
    },
    {requiredKeys: []},
  ),
)
const request = fc.record({id: fc.integer({min: 1, max: 1000}), method: fc.oneof(fc.constantFrom(...methods), fc.string()), params})
const line = fc.oneof(
  request.map((r) => JSON.stringify(r)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({unit: 'binary', maxLength: 200}).map((s) => s.replaceAll('\n', ' ')),
)

describe('protocol fuzz', () => {
  it('1 000 connections of random frames: answers are results or named errors, never internal; the daemon answers after each', async () => {
    f = fakeDaemon()
    // A stack to aim at: random stop/start/restart/signal/describe/logs reach a real runtime.
    await f.daemon.up(fakePlan('shop', {app: {runners: {web: {scale: 2}, worker: {}}}}), [])
    const server = new ApiServer(f.daemon, {role: 'daemon', log: () => {}, onStopRequested: () => {}})
    await fc.assert(
      fc.asyncProperty(fc.array(line, {minLength: 1, maxLength: 6}), async (lines) => {
        const [ours, theirs] = duplexPair()
        server.serve(theirs)
        const frames: Frame[] = []
        const reader = new FrameReader(
          (frame) => frames.push(frame as Frame),
          () => {},
        )
        ours.on('data', (chunk: Buffer) => reader.push(chunk))
        ours.on('error', () => {})
        ours.write(`${JSON.stringify({type: 'hello', protocol: PROTOCOL_VERSION, version: 'fuzz', pid: process.pid, role: 'client'})}\n`)
        for (const text of lines) ours.write(`${text}\n`)
        ours.write(`${JSON.stringify({id: 4242, method: 'ping', params: {}})}\n`)
        // A frame the daemon cannot read ends the connection (with an error frame): then no ping answer comes.
        await waitFor('the ping answer or the end', () => frames.some((fr) => fr.id === 4242) || frames.some((fr) => fr.id === 0 && fr.type === 'error') || ours.destroyed, 10_000, 1)
        expect(frames.filter((fr) => fr.type === 'error' && fr.error?.code === 'internal')).toEqual([])
        ours.destroy()
        // Whatever that connection did, a new one is answered.
        const [probe, served] = duplexPair()
        server.serve(served)
        const answers: Frame[] = []
        const probeReader = new FrameReader((frame) => answers.push(frame as Frame), () => {})
        probe.on('data', (chunk: Buffer) => probeReader.push(chunk))
        probe.write(`${JSON.stringify({type: 'hello', protocol: PROTOCOL_VERSION, version: 'fuzz', pid: process.pid, role: 'client'})}\n${JSON.stringify({id: 1, method: 'ping', params: {}})}\n`)
        await waitFor('a ping answer', () => answers.some((fr) => fr.id === 1 && fr.type === 'result'), 10_000, 1)
        probe.destroy()
      }),
      {numRuns: 1000},
    )
  }, deadline(120_000))
})
