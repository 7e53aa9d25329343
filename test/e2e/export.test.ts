// `mar export kubernetes` and `mar export nomad` through the built binary:
// files in a directory or on stdout, the --json summary, warnings, --strict
// (exit 2, nothing written), bad input as one line each, and nothing of the
// shell's environment in the output unless asked for.
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {mar, project} from '../helpers/cli.js'

const example = new URL('../../examples/shop/', import.meta.url).pathname

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function stack(yaml: string, files: Record<string, string> = {}): string {
  const p = project({'mar.yaml': yaml, ...files})
  cleanups.push(p.cleanup)
  return p.dir
}

/** stderr as lines; none of them a stack trace. */
function errLines(stderr: string): string[] {
  expect(stderr).not.toMatch(/\n\s+at /)
  return stderr.trim() === '' ? [] : stderr.trim().split('\n')
}

const TINY = `name: tiny
image: tiny:1
env: { MODE: fast, API_KEY: abc123 }
runners:
  web: { cmd: [node, server.js], port: 4000, ready: { http: "http://127.0.0.1:\${PORT}/health" } }
  worker: { cmd: node worker.js, ready: notify }
`

describe('mar export kubernetes', () => {
  it('writes ./kubernetes by default, says what it could not express, refuses to overwrite, overwrites with --force; --json sums up', async () => {
    const dir = stack(TINY)
    const first = await mar(['export', 'kubernetes'], {cwd: dir, env: {SHELL_ONLY_TOKEN: 'from-the-shell', EDITOR: 'vi'}})
    expect(first.code).toBe(0)
    expect(errLines(first.stderr)).toEqual([
      'mar: warning: worker: ready: notify (the kubelet has no sd_notify socket) — no readinessProbe: the pod is ready once its container runs',
      'mar: warning: web: API_KEY looks secret: Secret web-secrets holds an empty placeholder — fill it in before applying',
      'mar: warning: worker: API_KEY looks secret: Secret worker-secrets holds an empty placeholder — fill it in before applying',
    ])
    expect(first.stdout).toBe('wrote kubernetes/00-namespace.yaml\nwrote kubernetes/web.yaml\nwrote kubernetes/worker.yaml\napply: kubectl apply -f kubernetes\n')
    const text = readdirSync(join(dir, 'kubernetes')).map((f) => readFileSync(join(dir, 'kubernetes', f), 'utf8')).join('')
    expect(text).toContain('MODE: fast')
    expect(text).toContain('API_KEY: ""')
    for (const leak of ['abc123', 'from-the-shell', 'SHELL_ONLY_TOKEN', 'EDITOR']) expect(text).not.toContain(leak)

    const again = await mar(['export', 'kubernetes'], {cwd: dir})
    expect(again.code).toBe(1)
    expect(errLines(again.stderr).at(-1)).toMatch(/^mar: .*kubernetes\/00-namespace\.yaml.* already exist — use --force to overwrite/)

    const forced = await mar(['export', 'kubernetes', '--force', '--json', '--env', 'EDITOR'], {cwd: dir, env: {EDITOR: 'vi'}})
    expect(forced.code).toBe(0)
    expect(forced.stderr).toBe('')
    const summary = JSON.parse(forced.stdout)
    expect(summary).toMatchObject({stack: 'tiny', engine: 'kubernetes', dir: join(dir, 'kubernetes'), files: [join(dir, 'kubernetes/00-namespace.yaml'), join(dir, 'kubernetes/web.yaml'), join(dir, 'kubernetes/worker.yaml')]})
    expect(summary.unexpressed).toEqual([{subject: 'worker', key: 'ready', what: 'notify (the kubelet has no sd_notify socket)', instead: 'no readinessProbe: the pod is ready once its container runs'}])
    expect(summary.warnings).toHaveLength(3)
    expect(readFileSync(join(dir, 'kubernetes/web.yaml'), 'utf8')).toContain('EDITOR: vi')
  })

  it('-o - prints every file on stdout: for the example stack, exactly the committed export', async () => {
    const result = await mar(['export', 'kubernetes', '-o', '-'], {cwd: example})
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    const committed = ['00-namespace.yaml', '01-mar-wait.yaml', 'migrate.yaml', 'web.yaml', 'worker.yaml'].map((f) => readFileSync(join(example, 'export/kubernetes', f), 'utf8'))
    expect(result.stdout).toBe(committed.join('---\n'))
  })

  it('--strict: exit 2, one line per key Kubernetes cannot express, nothing written', async () => {
    const dir = stack(TINY)
    const result = await mar(['export', 'kubernetes', 'out', '--strict'], {cwd: dir})
    expect(result.code).toBe(2)
    expect(errLines(result.stderr)).toEqual([
      'mar: Kubernetes cannot express worker: ready: notify (the kubelet has no sd_notify socket) — no readinessProbe: the pod is ready once its container runs',
      'mar: --strict: 1 key of mar.yaml cannot be expressed in Kubernetes; nothing written — change them, or export without --strict',
    ])
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })

  it('bad input: no image, a config error, DIR and -o at odds, --json with -o - — exit 2, one line each', async () => {
    const noImage = stack('runners:\n  web: node s.js\n')
    const a = await mar(['export', 'kubernetes', '-o', '-'], {cwd: noImage})
    expect(a.code).toBe(2)
    expect(errLines(a.stderr)).toEqual(['mar: runner web has no image for Kubernetes (key image) — set image: on it or at the top level of mar.yaml, or pass --image'])
    expect((await mar(['export', 'kubernetes', '-o', '-', '--image', 'x:1'], {cwd: noImage})).code).toBe(0)

    const bad = stack('runners:\n  web: { comand: x }\n')
    const b = await mar(['export', 'kubernetes', 'out'], {cwd: bad})
    expect(b.code).toBe(2)
    expect(existsSync(join(bad, 'out'))).toBe(false)

    const c = await mar(['export', 'kubernetes', 'one', '-o', 'two'], {cwd: noImage})
    expect(c.code).toBe(2)
    expect(errLines(c.stderr)).toEqual(['mar: both DIR (one) and -o (two) name where to write — give one of them'])
    const d = await mar(['export', 'kubernetes', '-o', '-', '--json'], {cwd: noImage})
    expect(d.code).toBe(2)
    expect(errLines(d.stderr)).toHaveLength(1)
  })
})

describe('mar export nomad', () => {
  it("the command it prints to run the job is one a shell reads back, whatever the directory's name", async () => {
    const dir = stack(TINY)
    const result = await mar(['export', 'nomad', "jobs of O'Brien", '--workdir', '/srv/tiny'], {cwd: dir})
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`run: nomad job run -json 'jobs of O'\\''Brien'/tiny.nomad.json\n`)
  })

  it('writes ./nomad/<stack>.nomad.json; the job is what nomad job run -json takes', async () => {
    const dir = stack(TINY)
    const result = await mar(['export', 'nomad', '--workdir', '/srv/tiny'], {cwd: dir, env: {SHELL_ONLY_TOKEN: 'from-the-shell'}})
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('wrote nomad/tiny.nomad.json\nrun: nomad job run -json nomad/tiny.nomad.json\n')
    expect(errLines(result.stderr)).toEqual([
      'mar: warning: worker: ready: notify (Nomad has no sd_notify socket) — no check: the allocation counts as healthy once its tasks run',
      'mar: warning: web: API_KEY looks secret: its value comes from the Nomad variable nomad/jobs/tiny (nomad var put nomad/jobs/tiny API_KEY=…)',
      'mar: warning: worker: API_KEY looks secret: its value comes from the Nomad variable nomad/jobs/tiny (nomad var put nomad/jobs/tiny API_KEY=…)',
    ])
    const text = readFileSync(join(dir, 'nomad/tiny.nomad.json'), 'utf8')
    const job = JSON.parse(text).Job
    expect(job.TaskGroups[0].Tasks.map((t: {Name: string; Driver: string}) => `${t.Name} ${t.Driver}`)).toEqual(['web raw_exec', 'worker raw_exec'])
    expect(job.TaskGroups[0].Tasks[0].Config).toEqual({command: 'node', args: ['server.js'], work_dir: '/srv/tiny'})
    for (const leak of ['abc123', 'from-the-shell', 'SHELL_ONLY_TOKEN']) expect(text).not.toContain(leak)
  })

  it('-o - prints the job: for the example stack, exactly the committed export', async () => {
    const result = await mar(['export', 'nomad', '-o', '-', '--workdir', '/srv/shop'], {cwd: example})
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(readFileSync(join(example, 'export/nomad/shop.nomad.json'), 'utf8'))
    expect(errLines(result.stderr)[0]).toBe('mar: warning: migrate: scale: 1 run of the oneshot — a lifecycle task runs once in each allocation of app-web (2), app-worker (1): 3 runs')
  })

  it('--strict: exit 2, nothing written; --driver takes raw_exec or exec only', async () => {
    const dir = stack(TINY)
    const strict = await mar(['export', 'nomad', 'out', '--strict', '--driver', 'exec'], {cwd: dir})
    expect(strict.code).toBe(2)
    expect(errLines(strict.stderr)[0]).toBe('mar: Nomad cannot express worker: ready: notify (Nomad has no sd_notify socket) — no check: the allocation counts as healthy once its tasks run')
    expect(existsSync(join(dir, 'out'))).toBe(false)
    const driver = await mar(['export', 'nomad', '--driver', 'docker'], {cwd: dir})
    expect(driver.code).toBe(2)
    expect(errLines(driver.stderr)).toHaveLength(1)
  })
})
