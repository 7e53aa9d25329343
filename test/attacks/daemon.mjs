// Attacks through what a stack does: a pattern made to backtrack, a port
// somebody else holds, the daemon killed while output floods in.
import {spawn} from 'node:child_process'
import {createServer} from 'node:net'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {call, isAlive, kill, ms, s, waitFor} from './lib.mjs'

async function up(home, dir, args = []) {
  const result = await home.mar(['up', ...args], {cwd: dir, timeoutMs: 60_000})
  if (result.code !== 0) throw new Error(`mar up: exit ${result.code} ${result.stderr}`)
  return result
}

const instanceOf = (frame, name) => frame.data.stacks.flatMap((st) => st.instances).find((i) => i.name === name)

export const hostileGrep = {
  id: 1,
  name: 'hostile --grep',
  what: "`mar logs --grep '(a+)+$'` over 200 lines of 28 a's and a b, while another client asks `status` every 50 ms",
  fast: true,
  timeoutMs: 90_000,
  async run(scope) {
    const home = scope.home()
    const dir = scope.project({'mar.yaml': `name: evil\nrunners:\n  w: { cmd: "for i in $(seq 200); do echo ${'a'.repeat(28)}b; done; echo done; exec sleep 300" }\n`})
    await up(home, dir)
    await waitFor('the lines stored', async () => (await home.mar(['logs', '-n', '1'], {cwd: dir})).stdout.includes('done'), 20_000, 100)
    const latencies = []
    let grepping = true
    const grep = home.mar(['logs', '--grep', '(a+)+$', '-n', '1000'], {cwd: dir, timeoutMs: 60_000}).finally(() => (grepping = false))
    const poll = (async () => {
      while (grepping) {
        latencies.push((await call(home.socket, 'status')).ms)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    const [result] = await Promise.all([grep, poll])
    const worst = Math.max(...latencies)
    return {
      does: `answered (exit ${result.code}, no line matches): user patterns run on RE2, in linear time; \`status\` answered throughout`,
      figure: `grep ${ms(result.ms)}; status latency during it: max ${ms(worst)} (${latencies.length} asked)`,
      data: {grepCode: result.code, grepMs: result.ms, statusAsked: latencies.length, statusMaxMs: worst},
      checks: [
        ['grep exit 0 with no line', result.code === 0 && result.stdout === ''],
        ['grep within 10 s', result.ms < 10_000],
        ['status under 2 s throughout', worst < 2000],
      ],
    }
  },
}

/** A free TCP port on 127.0.0.1, and another process (not mar's) listening on it. */
async function squatter(scope) {
  const port = await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address()
      server.close(() => resolve(port))
    })
  })
  const child = spawn(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`], {stdio: 'ignore'})
  scope.track(child.pid)
  await waitFor('the squatter to listen', () => readFileSync('/proc/net/tcp', 'utf8').includes(`:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A`), 10_000)
  return {port, pid: child.pid}
}

export const portSquatter = {
  id: 9,
  name: 'port squatter',
  what: "another program listens on an instance's port",
  fast: true,
  timeoutMs: 60_000,
  async run(scope) {
    const {port, pid} = await squatter(scope)
    const home = scope.home()
    const server = `node -e "require('http').createServer((q,s)=>s.end('mine')).listen(+process.env.PORT,'127.0.0.1')"`
    const dir = scope.project({'mar.yaml': `name: taken\nrunners:\n  web: { cmd: ${JSON.stringify(server)}, port: ${port}, ready: { http: "http://127.0.0.1:\${PORT}/" } }\n`})
    const result = await home.mar(['up', '--timeout', '30s'], {cwd: dir, timeoutMs: 60_000})
    const web = instanceOf((await call(home.socket, 'status')).frame, 'web.1')
    const reason = `port ${port} is in use by pid ${pid} (node)`
    return {
      does: `\`mar up\` exit ${result.code} at once, nothing spawned: \`${web.reasonCode}\`, "port N is in use by pid P (node)"`,
      figure: `reported after ${ms(result.ms)} (\`--timeout 30s\`)`,
      data: {code: result.code, ms: result.ms, reasonCode: web.reasonCode, reason: web.reason, spawned: web.pid !== null},
      checks: [
        ['up exit 1', result.code === 1],
        ["the reason names the holder's pid", result.stderr.includes(reason) && web.reason === reason && web.reasonCode === 'port-in-use'],
        ['nothing spawned', web.pid === null],
        ['reported before the timeout (< 10 s)', result.ms < 10_000],
      ],
    }
  },
}

export const killMidFlood = {
  id: 12,
  name: 'kill -9 mid-flood',
  what: 'kill -9 of the daemon while an instance floods numbered lines (256 KiB rotation), the flood going on after it; then `mar daemon start`',
  fast: false,
  timeoutMs: 180_000,
  async run(scope) {
    const home = scope.home()
    const gate = scope.dir()
    // Numbered lines, 20 a tick, from when `go` appears until `stop` does (at most 200 000); then the count on stderr.
    const writer = [
      "import {existsSync} from 'node:fs'",
      `const go = ${JSON.stringify(join(gate, 'go'))}, stop = ${JSON.stringify(join(gate, 'stop'))}`,
      'let i = 0',
      'function step() {',
      '  let text = ""',
      '  for (const end = i + 20; i < end; i++) text += `line ${String(i).padStart(8, "0")}\\n`',
      '  process.stdout.write(text)',
      '  if (existsSync(stop) || i >= 200000) console.error(`done writing ${i}`)',
      '  else setTimeout(step, 1)',
      '}',
      'const wait = setInterval(() => existsSync(go) && (clearInterval(wait), step()), 5)',
      'setInterval(() => {}, 1000)',
    ].join('\n')
    const dir = scope.project({'writer.mjs': writer, 'mar.yaml': 'name: flood\nrunners:\n  w: { cmd: [node, writer.mjs], log: { max_size: 256K, keep: 40 } }\n'})
    await up(home, dir)
    const pid = instanceOf((await call(home.socket, 'status')).frame, 'w.1').pid
    // Without a daemon the child's output lands only in its spool (MAR_HOME/spool): what it wrote is measured there.
    const spoolDir = join(home.path, 'spool', 'flood', 'w.1')
    const written = () => {
      try {
        return Number(/done writing (\d+)/.exec(readFileSync(join(spoolDir, 'err.spool'), 'utf8'))?.[1]) || 0
      } catch {
        return 0
      }
    }
    const size = () => statSync(join(spoolDir, 'out.spool')).size
    writeFileSync(join(gate, 'go'), '')
    await waitFor('some output stored', async () => (await home.mar(['logs', '--stream', 'stdout', '-n', '1'], {cwd: dir})).stdout.includes('line '), 20_000, 20)
    kill(home.daemonPid())
    const atKill = size()
    const killedAt = performance.now()
    // The flood goes on without a daemon (600 KB more: rotations too), then ends.
    await waitFor('more output after the kill', () => size() >= atKill + 600_000, 30_000, 20)
    const midFlood = written() === 0
    writeFileSync(join(gate, 'stop'), '')
    const count = await waitFor('the writer to finish', written, 60_000, 50)
    const start = await home.mar(['daemon', 'start'])
    const adopted = instanceOf((await call(home.socket, 'status')).frame, 'w.1').pid === pid
    const logs = await home.mar(['logs', '--json', '-n', String(count + 10)], {cwd: dir, timeoutMs: 90_000})
    const seen = new Map()
    for (const text of logs.stdout.split('\n')) {
      if (!text) continue
      const line = JSON.parse(text)
      if (line.stream === 'stdout') seen.set(line.line, (seen.get(line.line) ?? 0) + 1)
    }
    let lost = 0
    let duplicated = 0
    for (let i = 0; i < count; i++) {
      const n = seen.get(`line ${String(i).padStart(8, '0')}`) ?? 0
      if (n === 0) lost++
      else duplicated += n - 1
    }
    return {
      does: `the writer keeps running (${isAlive(pid) ? 'alive' : 'GONE'}); \`daemon start\` exit ${start.code} adopts it${adopted ? '' : ' — NOT ADOPTED'} and indexes what was written meanwhile`,
      figure: `lost ${lost} / duplicated ${duplicated} of ${count.toLocaleString('en')} lines (${Math.round(atKill / 14).toLocaleString('en')} written before the kill; the flood ended ${s(performance.now() - killedAt)} after it)`,
      data: {midFlood, lost, duplicated, adopted, startCode: start.code, lines: [...seen.values()].reduce((a, b) => a + b, 0)},
      checks: [
        ['killed while the writer was still writing', midFlood],
        ['the writer survives and is adopted', isAlive(pid) && adopted && start.code === 0],
        ['no line lost', lost === 0],
        ['no line duplicated', duplicated === 0],
      ],
    }
  },
}
