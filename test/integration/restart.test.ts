// Restart policies, memory_limit and watch with real processes.
import {writeFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {runStack, type Harness} from '../helpers/stack-harness.js'
import {waitFor} from '../helpers/wait.js'

let harness: Harness | undefined
afterEach(async () => {
  await harness?.cleanup()
  harness = undefined
})

const restarts = (h: Harness, name: string) => h.events.filter((e) => e.kind === 'instance' && e.name === name && e.restarted).length

describe('restart policies', () => {
  it('on-failure restarts a crash and leaves a clean exit alone', async () => {
    harness = await runStack(`
runners:
  crashy: { cmd: [node, $FIXTURES/exit-with.mjs, "1", "50"], restart: { policy: on-failure, backoff: { initial: 20ms } } }
  clean: { cmd: [node, $FIXTURES/exit-with.mjs, "0", "50"], restart: on-failure }
`)
    await waitFor('two restarts of crashy', () => restarts(harness!, 'crashy.1') >= 2)
    await harness.waitForState('clean.1', 'exited')
    expect(restarts(harness, 'clean.1')).toBe(0)
  })

  it('always restarts even a clean exit; never restarts nothing', async () => {
    harness = await runStack(`
runners:
  loop: { cmd: [node, $FIXTURES/exit-with.mjs, "0", "20"], restart: { policy: always, backoff: { initial: 10ms } } }
  once: { cmd: [node, $FIXTURES/exit-with.mjs, "3", "20"], restart: never }
`)
    await waitFor('restarts of loop', () => restarts(harness!, 'loop.1') >= 2)
    await harness.waitForState('once.1', 'crashed')
    expect(restarts(harness, 'once.1')).toBe(0)
  })

  it('a full-speed crash loop is held back by backoff', async () => {
    harness = await runStack(`runners: { c: { cmd: "exit 1", restart: { policy: always, backoff: { initial: 100ms, max: 400ms } } } }`)
    const began = Date.now()
    await waitFor('5 restarts', () => restarts(harness!, 'c.1') >= 5, 10_000)
    // 100 + 200 + 400 + 400 + 400 ms, less at most 20 % jitter.
    expect(Date.now() - began).toBeGreaterThanOrEqual(0.8 * 1500)
  })
})

describe('memory_limit', () => {
  it('restarts an instance whose tree stays above the limit', async () => {
    harness = await runStack(`runners: { hog: { cmd: [node, $FIXTURES/alloc.mjs, "150"], memory_limit: 100M } }`)
    const event = await waitFor('the memory limit to act', () =>
      harness!.events.find((e) => e.kind === 'instance' && e.why?.reason?.includes('stayed above memory_limit')), 15_000)
    expect((event as {why?: {reason: string | null}}).why?.reason).toMatch(/^memory \d+(\.\d)?M stayed above memory_limit 100M$/)
    await waitFor('a restart', () => restarts(harness!, 'hog.1') >= 1)
  })
})

describe('watch', () => {
  it('a burst of 1000 file writes causes one restart', async () => {
    harness = await runStack(`runners: { w: { cmd: "sleep 60", watch: { paths: [src], ignore: ["**/*.tmp"], debounce: 300ms } } }`, {files: {}})
    mkdirSync(join(harness.dir, 'src'), {recursive: true})
    await harness.waitForState('w.1', 'running')
    // chokidar reports ready before the first run starts; give writes a watched target.
    for (let i = 0; i < 1000; i++) writeFileSync(join(harness.dir, 'src', `f${i % 50}.js`), `// ${i}\n`)
    await waitFor('one restart', () => restarts(harness!, 'w.1') === 1, 10_000)
    const quietUntil = Date.now() + 1000
    await waitFor('a quiet second', () => Date.now() > quietUntil, 2000)
    expect(restarts(harness, 'w.1')).toBe(1)
    for (let i = 0; i < 20; i++) writeFileSync(join(harness.dir, 'src', `ignored${i}.tmp`), 'x')
    const quietAgain = Date.now() + 800
    await waitFor('another quiet moment', () => Date.now() > quietAgain, 2000)
    expect(restarts(harness, 'w.1')).toBe(1)
  })
})
