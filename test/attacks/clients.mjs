// Attacks through what users type and write: shell syntax in names and
// values, and many clients racing on one stack.
import {mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {call, isAlive, processesWithEnv, waitFor} from './lib.mjs'

export const injection = {
  id: 10,
  name: 'injection',
  what: 'shell syntax (`$(touch M)`, backquotes, `;`, newlines) in env values, `.env`, argv, runner and stack names, CLI targets and signal names, exported units',
  fast: true,
  timeoutMs: 120_000,
  async run(scope) {
    const markers = join(scope.dir(), 'm')
    mkdirSync(markers)
    let n = 0
    /** Every form of the payload, each creating its own marker file if anything ever runs it. */
    const payload = () => {
      n += 4
      return `$(touch ${markers}/${n - 3}) \`touch ${markers}/${n - 2}\` ; touch ${markers}/${n - 1}\ntouch ${markers}/${n}`
    }
    const q = (text) => JSON.stringify(text)
    const home = scope.home()
    const evil = payload()
    const good = scope.project({
      'mar.yaml': [
        'name: inj',
        'runners:',
        `  envy: { cmd: 'echo "$EVIL" "$DOT" \${DOT}; exec sleep 300', env: { EVIL: ${q(evil)} } }`,
        `  argv: { cmd: [/bin/echo, ${q(payload())}, ${q(payload())}, "\${DOT}"], oneshot: true }`,
        `  stopper: { cmd: "exec sleep 300", env: { X: ${q(payload())}, UNIT: ${q(`ok\nExecStartPre=/bin/touch ${markers}/unit\n[Service]\nExecStartPost=/bin/touch ${markers}/unit2`)} }, stop: { signal: SIGTERM } }`,
        '',
      ].join('\n'),
      '.env': `DOT='${payload().replaceAll('\n', ' ')}'\nDOT2=$(touch ${markers}/dotenv-bare)\n`,
    })
    const results = {}
    results.up = (await home.mar(['up'], {cwd: good})).code
    const badNames = scope.project({'mar.yaml': `name: ${q(`s${payload()}`)}\nrunners:\n  ${q(`w${payload()}`)}: sleep 300\n`})
    results.badNamesUp = (await home.mar(['up'], {cwd: badNames})).code
    const badRunner = scope.project({'mar.yaml': `name: inj2\nrunners:\n  ${q(`w$(touch ${markers}/runner)`)}: sleep 300\n`})
    results.badRunnerUp = (await home.mar(['up'], {cwd: badRunner})).code
    for (const [label, args] of [
      ['status', ['status', payload()]],
      ['logs', ['logs', payload()]],
      ['describe', ['describe', payload()]],
      ['signal', ['signal', `TERM;touch ${markers}/sig`, 'stopper']],
      ['restart', ['restart', payload()]],
    ]) results[label] = (await home.mar(args, {cwd: good})).code
    const units = scope.dir()
    results.export = (await home.mar(['export', 'systemd', units], {cwd: good})).code
    const injectedLines = readdirSync(units)
      .flatMap((file) => readFileSync(join(units, file), 'utf8').split('\n'))
      // A line that is no comment, section or key, or an Exec line mar does not write: a value broke out of its line.
      .filter((line) => !/^(#.*|\[\w+\]|\w+=.*|)$/.test(line) || /^ExecStart(Pre|Post)=/.test(line)).length
    const env = instanceEnv(home, 'envy.1')
    await waitFor('the argv oneshot to finish', async () => (await home.mar(['logs', '-n', '5', 'argv'], {cwd: good})).stdout.includes('touch'), 15_000, 100)
    results.down = (await home.mar(['down'], {cwd: good})).code
    const created = readdirSync(markers)
    return {
      does: `values reach programs as data: \`up\` exit ${results.up}; bad stack/runner names: config error (exit ${results.badNamesUp}/${results.badRunnerUp}); hostile CLI targets: exit ${[...new Set(['status', 'logs', 'describe', 'signal', 'restart'].map((k) => results[k]))].join('/')}; exported units quote the values`,
      figure: `${created.length} marker files created (${n + 5} markers planted); ${injectedLines} injected unit lines`,
      data: {codes: results, created, injectedLines, envIntact: env === evil},
      checks: [
        ['no marker file created', created.length === 0],
        ['the value reached the program unchanged', env === evil],
        ['the config with hostile values runs', results.up === 0],
        ['hostile names are a config error', results.badNamesUp === 2 && results.badRunnerUp === 2],
        ['no line injected into exported units', injectedLines === 0 && results.export === 0],
      ],
    }
  },
}

/** EVIL as an instance's process sees it. */
function instanceEnv(home, name) {
  for (const pid of processesWithEnv(`MAR_HOME=${home.path}`)) {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
    if (env.includes(`MAR_INSTANCE=1`) && env.includes(`MAR_RUNNER=${name.split('.')[0]}`)) return env.find((e) => e.startsWith('EVIL='))?.slice(5)
  }
  return undefined
}

export const racingClients = {
  id: 11,
  name: 'racing clients',
  what: '20 clients racing `mar status` / `restart` / `reload` (the config changing under them) on one stack for 20 s',
  fast: false,
  timeoutMs: 240_000,
  async run(scope) {
    const home = scope.home()
    const config = (v) => `name: race\nrunners:\n  a: { cmd: "exec sleep 300", env: { V: "${v}" }, stop: { timeout: 5s } }\n  b: { cmd: "exec sleep 300", scale: 2 }\n  c: { cmd: "exec sleep 300", env: { V: "${v}" } }\n`
    const dir = scope.project({'mar.yaml': config(0)})
    const initial = await home.mar(['up'], {cwd: dir})
    if (initial.code !== 0) throw new Error(`mar up: exit ${initial.code} ${initial.stderr}`)
    const until = performance.now() + 20_000
    let version = 0
    const runs = []
    const client = async (k) => {
      for (let i = 0; performance.now() < until; i++) {
        const op = ['status', 'restart', 'reload'][(k + i) % 3]
        if (op === 'reload') {
          // Written whole (a rename), so a reload never reads half a file.
          const tmp = join(dir, `.mar.yaml.${k}`)
          writeFileSync(tmp, config(++version))
          renameSync(tmp, join(dir, 'mar.yaml'))
        }
        const args = op === 'restart' ? ['restart', ['a', 'b', 'c', 'b.2'][i % 4]] : [op]
        const r = await home.mar(args, {cwd: dir, timeoutMs: 90_000})
        runs.push({op, code: r.code, timedOut: r.timedOut, ms: r.ms, stderr: r.stderr})
      }
    }
    await Promise.all(Array.from({length: 20}, (_, k) => client(k)))
    const hangs = runs.filter((r) => r.timedOut).length
    const wrong = runs.filter((r) => !r.timedOut && r.code !== 0)
    // The last word: the config as it is now, then every instance running once, with it.
    const last = await home.mar(['reload'], {cwd: dir, timeoutMs: 60_000})
    const want = readFileSync(join(dir, 'mar.yaml'), 'utf8').match(/V: "(\d+)"/)[1]
    const final = await waitFor('every instance running', async () => {
      const instances = (await call(home.socket, 'status')).frame.data.stacks[0].instances
      return instances.length === 4 && instances.every((i) => ['running', 'ready'].includes(i.state) && isAlive(i.pid)) ? instances : null
    }, 30_000, 100)
    const processes = processesWithEnv(`MAR_HOME=${home.path}`).filter((pid) => readFileSync(`/proc/${pid}/environ`, 'latin1').includes('\0MAR_RUN_ID='))
    const vs = ['a', 'c'].map((r) => {
      const pid = final.find((i) => i.name === `${r}.1`).pid
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find((e) => e.startsWith('V='))
    })
    const byOp = (op) => runs.filter((r) => r.op === op).length
    return {
      does: `every command answered with the exit code it should (0), operations queued per stack; final state: 4 instances running the last config, no stray process`,
      figure: `${runs.length} commands (${byOp('status')} status, ${byOp('restart')} restart, ${byOp('reload')} reload): ${hangs} hangs, ${wrong.length} wrong exit codes; ${processes.length} processes for 4 instances`,
      data: {commands: runs.length, hangs, wrong: wrong.map((r) => ({op: r.op, code: r.code, stderr: r.stderr.slice(0, 300)})), lastReload: last.code, processes: processes.length, env: vs, want, slowestMs: Math.max(...runs.map((r) => r.ms))},
      checks: [
        ['no hang (90 s)', hangs === 0],
        ['no wrong exit code', wrong.length === 0],
        ['final state: 4 running, the last config, no stray process', last.code === 0 && processes.length === 4 && vs.every((v) => v === `V=${want}`)],
      ],
    }
  },
}

