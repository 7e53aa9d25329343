// `mar up -f` through the built binary: the example stack, prefixes and
// whole lines under load, ordered start/stop, exit codes, bad input.
import {existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {mar, project, spawnMar} from '../helpers/cli.js'
import {freePort, isAlive, waitFor} from '../helpers/wait.js'
import type {ChildProcess} from 'node:child_process'

const cleanups: Array<() => void> = []
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** `mar up -f` keeps its stack's logs in MAR_HOME like the daemon: each test gets its own, removed after. */
function privateHome(): {MAR_HOME: string} {
  const home = mkdtempSync(join(tmpdir(), 'marf-'))
  cleanups.push(() => rmSync(home, {recursive: true, force: true}))
  return {MAR_HOME: home}
}

function collect(child: ChildProcess): {out: () => string; err: () => string} {
  let out = ''
  let err = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (err += c))
  return {out: () => out, err: () => err}
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))))
}

describe('mar up -f', () => {
  it('runs the example stack: migration first, then web and worker; Ctrl-C stops all with exit 0', async () => {
    const example = new URL('../../examples/shop/', import.meta.url).pathname
    const port = await freePort()
    const yaml = readFileSync(join(example, 'mar.yaml'), 'utf8').replace('port: 3000', `port: ${port}`)
    const p = project({
      'mar.yaml': yaml,
      'migrate.js': readFileSync(join(example, 'migrate.js'), 'utf8'),
      'server.js': readFileSync(join(example, 'server.js'), 'utf8'),
      'worker.js': readFileSync(join(example, 'worker.js'), 'utf8'),
      'package.json': '{"type": "module"}',
    })
    cleanups.push(p.cleanup)
    const child = spawnMar(['up', '-f'], {cwd: p.dir, env: privateHome()})
    children.push(child)
    const io = collect(child)
    await waitFor('both web instances ready', () => /web\.1\s+\| ready/.test(io.out()) && /web\.2\s+\| ready/.test(io.out()), 15_000)
    const response = await fetch(`http://127.0.0.1:${port + 1}/`)
    expect(await response.text()).toContain('hello from mar — instance 2')
    const out = io.out()
    expect(out.indexOf('migrate.1 | exited: 0')).toBeGreaterThan(-1)
    expect(out.indexOf('migrate.1 | exited: 0')).toBeLessThan(out.indexOf('web.1     | started'))
    child.kill('SIGINT')
    expect(await exited(child)).toBe(0)
    expect(io.out()).toMatch(/web\.1\s+\| SIGTERM: closing/)
    expect(io.out()).toMatch(/worker\.1\s+\| exited: 0/)
  })

  it('prefixes every line and never splices two under concurrent floods', async () => {
    const p = project({
      'mar.yaml': `runners:\n  a: { cmd: [node, $FIXTURES/flood.mjs, "10000", alpha], oneshot: true }\n  bb: { cmd: [node, $FIXTURES/flood.mjs, "10000", bravo], oneshot: true }\n`,
    })
    cleanups.push(p.cleanup)
    const result = await mar(['up', '-f'], {cwd: p.dir, env: privateHome()})
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    const alpha = lines.filter((l) => l.startsWith('a.1  | alpha '))
    const bravo = lines.filter((l) => l.startsWith('bb.1 | bravo '))
    expect(alpha).toHaveLength(10_000)
    expect(bravo).toHaveLength(10_000)
    for (const line of [...alpha, ...bravo]) expect(line).toMatch(/^(a\.1  \| alpha|bb\.1 \| bravo) \d{9} x+$/)
    expect(lines.filter((l) => !/^(a\.1 |bb\.1)/.test(l))).toEqual([])
  })

  it('starts groups in dependency order and stops them in reverse', async () => {
    const p = project({
      'mar.yaml': `
groups:
  infra:
    strategy: ordered
    runners:
      db: { cmd: "echo db-up $(date +%s%N) >> events; trap 'echo db-down $(date +%s%N) >> events; exit 0' TERM; while true; do sleep 0.05; done", ready: { after: 200ms } }
  app:
    depends_on: [infra]
    runners:
      web: { cmd: "echo web-up $(date +%s%N) >> events; trap 'echo web-down $(date +%s%N) >> events; exit 0' TERM; while true; do sleep 0.05; done" }
`,
    })
    cleanups.push(p.cleanup)
    const child = spawnMar(['up', '-f'], {cwd: p.dir, env: privateHome()})
    children.push(child)
    const events = () => {
      try {
        return readFileSync(join(p.dir, 'events'), 'utf8').trim().split('\n').map((l) => l.split(' '))
      } catch {
        return []
      }
    }
    await waitFor('web up', () => events().some(([e]) => e === 'web-up'), 10_000)
    child.kill('SIGTERM')
    expect(await exited(child)).toBe(0)
    const order = events().sort((a, b) => Number(BigInt(a[1]!) - BigInt(b[1]!))).map(([e]) => e)
    expect(order).toEqual(['db-up', 'web-up', 'web-down', 'db-down'])
    const time = (name: string) => BigInt(events().find(([e]) => e === name)![1]!)
    expect(Number(time('web-up') - time('db-up')) / 1e6).toBeGreaterThanOrEqual(190)
  })

  it('exits 1 naming a runner that failed, with its exit code', async () => {
    const p = project({'mar.yaml': `runners:\n  bad: { cmd: [node, $FIXTURES/exit-with.mjs, "3"], restart: never }\n`})
    cleanups.push(p.cleanup)
    const result = await mar(['up', '-f'], {cwd: p.dir, env: privateHome()})
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('bad.1 | exited: 3')
    expect(result.stderr).toContain('mar: bad.1 crashed (exited: 3)')
  })

  it('a second Ctrl-C kills at once', async () => {
    const p = project({'mar.yaml': `runners:\n  stubborn: { cmd: [node, $FIXTURES/ignore-term.mjs], stop: { timeout: 60s } }\n`})
    cleanups.push(p.cleanup)
    const child = spawnMar(['up', '-f'], {cwd: p.dir, env: privateHome()})
    children.push(child)
    const io = collect(child)
    await waitFor('running', () => io.out().includes('stubborn.1 | running'))
    const pid = Number(/started \(pid (\d+)\)/.exec(io.out())![1])
    child.kill('SIGINT')
    await waitFor('SIGTERM delivered', () => io.out().includes('ignoring it'))
    child.kill('SIGINT')
    await exited(child)
    expect(isAlive(pid)).toBe(false)
    expect(io.err()).toContain('killing all instances now')
  })

  it('reports a missing command as a spawn failure without crashing', async () => {
    const p = project({'mar.yaml': `runners:\n  web: { cmd: foo --bar, restart: never }\n`})
    cleanups.push(p.cleanup)
    const result = await mar(['up', '-f'], {cwd: p.dir, env: privateHome()})
    expect(result.stdout).toContain('web.1 | failed: foo not found on PATH (')
    expect(result.code).toBe(1)
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/)
  })
})

describe('bad input', () => {
  it('a broken config: one line per problem with file:line:col, exit 2, no stack trace', async () => {
    const p = project({'mar.yaml': `runners:\n  web:\n    comand: node server.js\n    scale: many\n`})
    cleanups.push(p.cleanup)
    const result = await mar(['up', '-f'], {cwd: p.dir, env: privateHome()})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('mar.yaml:3:5: unknown key "comand" — did you mean "cmd"?')
    expect(result.stderr).toMatch(/mar\.yaml:4:12: /)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('no config anywhere: says how to create one, exit 2', async () => {
    const p = project({})
    cleanups.push(p.cleanup)
    const result = await mar(['up', '-f'], {cwd: p.dir, env: privateHome()})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^mar: no mar\.yaml, mar\.yml or Procfile found in .* — run `mar init` to create one\n$/)
  })

  it('validate answers the same through its fast path and through oclif', async () => {
    const p = project({'mar.yaml': 'name: same\nrunners:\n  web: { cmd: "node server.js", port: 4000, scale: 2 }\n'})
    cleanups.push(p.cleanup)
    const fast = await mar(['validate', '--json'], {cwd: p.dir})
    const oclif = await mar(['validate', '--json', '-c', 'mar.yaml'], {cwd: p.dir})
    expect(fast.code).toBe(0)
    expect(JSON.parse(fast.stdout)).toEqual(JSON.parse(oclif.stdout))
    const broken = project({'mar.yaml': 'runners:\n  web: { comand: x }\n'})
    cleanups.push(broken.cleanup)
    const bad = await mar(['validate'], {cwd: broken.dir})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('mar.yaml:2:10: unknown key "comand" — did you mean "cmd"?')
  })

  it('a reader that goes away (mar validate | head -1) ends mar quietly, without an EPIPE stack trace', async () => {
    // Far more output than a pipe holds (64 KB), so mar is still writing when the reader goes.
    const long = 'x'.repeat(300)
    const app = project({'mar.yaml': `name: piped\nrunners:\n${Array.from({length: 600}, (_, i) => `  r${i}: { cmd: "echo ${long}" }`).join('\n')}\n`})
    cleanups.push(app.cleanup)
    for (const args of [['validate'], ['validate', '--no-color', '--config', 'mar.yaml']]) {
      const child = spawnMar(args, {cwd: app.dir})
      let stderr = ''
      child.stderr!.on('data', (chunk) => (stderr += chunk))
      // Read the first chunk, then close the pipe as `head` does.
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()))
      child.stdout!.destroy()
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
      expect(code).toBe(0)
      expect(stderr).not.toContain('EPIPE')
    }
  })

  it('mar init next to a Procfile converts it; elsewhere it writes the commented template', async () => {
    const withProcfile = project({Procfile: 'web: node server.js\nworker: node worker.js\n'})
    const empty = project({})
    cleanups.push(withProcfile.cleanup, empty.cleanup)
    const converted = await mar(['init'], {cwd: withProcfile.dir})
    expect(converted.code).toBe(0)
    expect(converted.stdout).toContain('runners: web, worker')
    expect(readFileSync(join(withProcfile.dir, 'mar.yaml'), 'utf8')).toMatch(/web:[\s\S]*node server\.js/)
    const template = await mar(['init'], {cwd: empty.dir})
    expect(template.code).toBe(0)
    expect(readFileSync(join(empty.dir, 'mar.yaml'), 'utf8')).toContain('#')
    expect((await mar(['validate', '-q'], {cwd: withProcfile.dir})).code).toBe(0)
  })

  it('mar init never writes through a mar.yaml that is a link (a dangling one included, --force too)', async () => {
    const app = project({})
    cleanups.push(app.cleanup)
    const target = join(app.dir, 'made-through-the-link')
    symlinkSync(target, join(app.dir, 'mar.yaml'))
    for (const args of [['init'], ['init', '--force']]) {
      const result = await mar(args, {cwd: app.dir})
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^mar: \S*mar\.yaml is a symbolic link — mar does not write through links: remove it, or give another file with -c\n$/)
    }
    expect(existsSync(target)).toBe(false)
  })

  it('global flags may come before the command', async () => {
    const app = project({'mar.yaml': 'name: early\nrunners:\n  web: { cmd: "sleep 1" }\n'})
    const elsewhere = project({})
    cleanups.push(app.cleanup, elsewhere.cleanup)
    const json = await mar(['--json', 'validate'], {cwd: app.dir})
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({valid: true, name: 'early'})
    const config = await mar(['-c', join(app.dir, 'mar.yaml'), '--no-color', 'validate', '-q'], {cwd: elsewhere.dir})
    expect(config.code).toBe(0)
    const equals = await mar(['--config=' + join(app.dir, 'mar.yaml'), '--json', 'validate'], {cwd: elsewhere.dir})
    expect(JSON.parse(equals.stdout)).toMatchObject({name: 'early'})
    const status = await mar(['--json', 'status'], {cwd: elsewhere.dir})
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toEqual({stacks: []})
  })

  it('an unknown flag is a usage error (exit 2)', async () => {
    const result = await mar(['up', '--frobnicate'])
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n')[0]).toMatch(/^mar: Nonexistent flag: --frobnicate/)
  })
})
