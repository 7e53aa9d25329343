// Programs that cannot start, with real files through the real supervisor:
// each says its own cause once and fails at once (no backoff loop), while a
// program that can run runs. The test runs as root, which still needs an x
// bit to execve a file (checked below, not assumed).
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'
import {afterEach, describe, expect, it} from 'vitest'
import {runStack, type Harness} from '../helpers/stack-harness.js'

let harness: Harness | undefined
afterEach(async () => {
  await harness?.cleanup()
  harness = undefined
})

const script = (dir: string, name: string, text: string, mode: number) => {
  writeFileSync(join(dir, name), text)
  chmodSync(join(dir, name), mode)
}
const fast = `restart: { policy: always, backoff: { initial: 10ms } }`

async function failsAtOnce(name: string, spawned = false): Promise<{reasonCode: string | null; reason: string | null}> {
  const failed = await harness!.waitForState(name, 'failed')
  expect(harness!.statesOf(name)).toEqual(spawned ? ['starting', 'running', 'failed'] : ['starting', 'failed'])
  expect(harness!.events.some((e) => e.kind === 'instance' && e.name === name && (e.restarted || e.state === 'backoff'))).toBe(false)
  return failed.why!
}

describe('a program that cannot start fails at once with its cause', () => {
  it('a script without the x bit cannot be executed, even by root', async () => {
    harness = await runStack(`runners: { web: { cmd: ./run.sh, ${fast} }, argv: { cmd: [./run.sh, x], ${fast} } }`, {
      setup: (dir) => script(dir, 'run.sh', '#!/bin/sh\necho hi\n', 0o644),
    })
    const direct = spawnSync(join(harness.dir, 'run.sh'))
    expect((direct.error as NodeJS.ErrnoException | undefined)?.code).toBe('EACCES')
    for (const name of ['web.1', 'argv.1']) {
      expect(await failsAtOnce(name)).toEqual({
        reasonCode: 'spawn-not-executable',
        reason: "./run.sh is not executable — chmod +x ./run.sh or run it as 'sh ./run.sh'",
      })
    }
  })

  it('the same script with the x bit runs', async () => {
    harness = await runStack(`runners: { web: { cmd: ./run.sh, oneshot: true } }`, {
      setup: (dir) => script(dir, 'run.sh', '#!/bin/sh\necho hi\n', 0o755),
    })
    await harness.waitForState('web.1', 'exited')
    expect(harness.output('web.1')).toEqual(['hi'])
  })

  it('names a missing interpreter instead of the script', async () => {
    harness = await runStack(`runners: { web: { cmd: ./run.sh, ${fast} }, crlf: { cmd: ./dos.sh, ${fast} } }`, {
      setup: (dir) => {
        script(dir, 'run.sh', '#!/usr/bin/nosuch\necho hi\n', 0o755)
        script(dir, 'dos.sh', '#!/bin/sh\r\necho hi\r\n', 0o755)
      },
    })
    expect(await failsAtOnce('web.1')).toEqual({reasonCode: 'spawn-not-found', reason: './run.sh: interpreter /usr/bin/nosuch not found'})
    expect((await failsAtOnce('crlf.1')).reason).toMatch(/^\.\/dos\.sh: interpreter \/bin\/sh not found — the file has Windows \(CRLF\) line endings/)
  })

  it('says where it looked for a missing program: PATH for a name, the path and cwd for a relative path', async () => {
    harness = await runStack(`runners: { name: { cmd: no-such-program-here, ${fast} }, rel: { cmd: [bin/nope], ${fast} } }`)
    expect(await failsAtOnce('name.1')).toEqual({reasonCode: 'spawn-not-found', reason: `no-such-program-here not found on PATH (${process.env.PATH})`})
    expect(await failsAtOnce('rel.1')).toEqual({reasonCode: 'spawn-not-found', reason: `bin/nope not found (no file ${join(harness.dir, 'bin/nope')}; cwd ${harness.dir})`})
  })

  it('blames a missing working directory, not the program', async () => {
    harness = await runStack(`runners: { web: { cmd: [sleep, "30"], cwd: gone, ${fast} } }`)
    expect(await failsAtOnce('web.1')).toEqual({reasonCode: 'spawn-failed', reason: `working directory ${join(harness.dir, 'gone')} does not exist — create it or change cwd: in the config`})
  })

  it('fails even under restart: never, as failed rather than crashed', async () => {
    harness = await runStack(`runners: { web: { cmd: ./run.sh, restart: never } }`, {setup: (dir) => script(dir, 'run.sh', 'echo hi\n', 0o600)})
    expect((await failsAtOnce('web.1')).reasonCode).toBe('spawn-not-executable')
  })
})

describe('a shell that cannot run a command (exit 126/127 on the first run)', () => {
  it('maps 126 and 127 to the spawn reasons and fails at once', async () => {
    harness = await runStack(
      `
runners:
  denied: { cmd: "cd sub && ./run.sh", ${fast} }
  missing: { cmd: "cd sub && ./absent.sh", ${fast} }
`,
      {
        setup: (dir) => {
          mkdirSync(join(dir, 'sub'))
          script(join(dir, 'sub'), 'run.sh', '#!/bin/sh\necho hi\n', 0o644)
        },
      },
    )
    expect(await failsAtOnce('denied.1', true)).toEqual({
      reasonCode: 'spawn-not-executable',
      reason: `sh could not run a command of "cd sub && ./run.sh": not executable (exit 126; its log has sh's message)`,
    })
    expect((await failsAtOnce('missing.1', true)).reasonCode).toBe('spawn-not-found')
    expect(harness.output('denied.1').join('\n')).toMatch(/Permission denied/)
  })

  it('leaves a later run’s 127 to the restart policy', async () => {
    // The first run succeeds and leaves a mark; the second exits 127.
    harness = await runStack(`runners: { flaky: { cmd: "if [ -e ran ]; then exit 127; fi; touch ran", restart: { policy: always, backoff: { initial: 10ms }, limit: 1/1m } } }`)
    const failed = await harness.waitForState('flaky.1', 'failed')
    expect(failed.why?.reasonCode).toBe('restart-limit')
  })

  it('leaves a program’s own 127 alone when no shell stood in between', async () => {
    harness = await runStack(`runners: { own: { cmd: ./exit.sh, restart: never } }`, {setup: (dir) => script(dir, 'exit.sh', '#!/bin/sh\nexit 127\n', 0o755)})
    const crashed = await harness.waitForState('own.1', 'crashed')
    expect(crashed.why).toEqual({reasonCode: 'crashed', reason: 'exited: 127'})
  })
})
