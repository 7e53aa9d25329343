// Peers beside mar (BENCH_PEERS=pm2,supervisord): the same 200 `sleep 600`
// start / status / memory / stop, timed from outside the same way.
// pm2 is installed into a temp prefix (never a project dependency) and runs
// with a temp PM2_HOME; supervisord (Debian `supervisor`) is used when
// installed and skipped otherwise. One round each: pm2's stop alone takes
// seconds. Everything started is stopped by pid at the end.
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {timeCommand} from './lib.mjs'
import {childCounter, cleanEnv, isAlive, killTree, removeLater, rssOf, run, runOk, sleep, waitUntil} from './proc.mjs'
import {SETTLE_MS} from './daemon-fleet.mjs'

function readPid(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return pid > 0 && isAlive(pid) ? pid : null
  } catch {
    return null
  }
}

/** Time `start` until N sleep children of the manager exist, and `stop` until none is left. */
async function measure({n, env, managerPid, start, status, stop, statusRuns}) {
  let count = null
  const counter = () => {
    const pid = managerPid()
    if (!pid) return 0
    count ??= childCounter(pid, 'sleep')
    return count()
  }
  const up = start()
  const running = waitUntil(() => counter() >= n, {since: up.began, timeoutMs: 120_000, what: `${n} sleep processes`})
  const upDone = await up.exited
  if (upDone.code !== 0) throw new Error(`start exited ${upDone.code}: ${upDone.stderr.slice(-1000)}`)
  const allRunning = await running
  await sleep(SETTLE_MS)
  const rss = rssOf(managerPid())
  const statusMs = timeCommand(status, {runs: statusRuns, env, allowCodes: [0, 3]})
  const down = stop()
  const gone = waitUntil(() => counter() === 0, {since: down.began, timeoutMs: 120_000, what: 'the last sleep to go'})
  const downDone = await down.exited
  if (downDone.code !== 0) throw new Error(`stop exited ${downDone.code}: ${downDone.stderr.slice(-1000)}`)
  const noneLeft = await gone
  return {upMs: upDone.ms, runningMs: allRunning.ms, downMs: downDone.ms, goneMs: noneLeft.ms, rss, statusMs}
}

export async function benchPm2({n = 200, statusRuns = 15, cleanup, log = () => {}}) {
  const dir = mkdtempSync(join(tmpdir(), 'mb-pm2-'))
  const env = cleanEnv({PM2_HOME: join(dir, 'home')})
  const pm2 = [process.execPath, join(dir, 'node_modules/pm2/bin/pm2')]
  const daemonPid = () => readPid(join(dir, 'home/pm2.pid'))
  const teardown = async () => {
    const pid = daemonPid()
    if (existsSync(pm2[1])) await runOk([...pm2, 'kill'], {env, allow: [1]}).catch(() => {})
    if (pid) killTree(pid)
    removeLater(dir)
  }
  cleanup.add(teardown)
  try {
    log('  installing pm2 into a temp prefix…')
    const install = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', 'pm2'], {env: process.env, encoding: 'utf8'})
    if (install.status !== 0) return {skipped: `npm install pm2 failed: ${install.stderr.trim().split('\n').slice(-3).join(' ')}`}
    const version = JSON.parse(readFileSync(join(dir, 'node_modules/pm2/package.json'), 'utf8')).version
    const apps = Array.from({length: n}, (_, i) => ({name: `s${i + 1}`, script: 'sleep', args: '600', interpreter: 'none', autorestart: true}))
    writeFileSync(join(dir, 'ecosystem.json'), JSON.stringify({apps}))
    await runOk([...pm2, 'ping'], {env})
    await sleep(400)
    const result = await measure({
      n,
      env,
      managerPid: daemonPid,
      start: () => run([...pm2, 'start', join(dir, 'ecosystem.json')], {env, cwd: dir}),
      status: [...pm2, 'jlist'],
      stop: () => run([...pm2, 'delete', 'all'], {env, cwd: dir}),
      statusRuns,
    })
    return {version, ...result, commands: {start: 'pm2 start ecosystem.json', status: 'pm2 jlist', stop: 'pm2 delete all'}}
  } finally {
    await teardown()
  }
}

function supervisordConfig(dir, n) {
  const lines = [
    '[unix_http_server]',
    `file=${dir}/s.sock`,
    '[supervisord]',
    `logfile=${dir}/supervisord.log`,
    `pidfile=${dir}/supervisord.pid`,
    `childlogdir=${dir}/logs`,
    'user=root',
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '[supervisorctl]',
    `serverurl=unix://${dir}/s.sock`,
  ]
  for (let i = 1; i <= n; i++) {
    lines.push(`[program:s${i}]`, 'command=sleep 600', `stdout_logfile=${dir}/logs/s${i}.out`, `stderr_logfile=${dir}/logs/s${i}.err`)
  }
  return `${lines.join('\n')}\n`
}

export async function benchSupervisord({n = 200, statusRuns = 15, cleanup}) {
  const which = spawnSync('sh', ['-c', 'command -v supervisord && command -v supervisorctl'], {encoding: 'utf8'})
  if (which.status !== 0) return {skipped: 'supervisord is not installed (Debian: apt-get install supervisor)'}
  const dir = mkdtempSync(join(tmpdir(), 'mb-sv-'))
  mkdirSync(join(dir, 'logs'))
  const config = join(dir, 'supervisord.conf')
  writeFileSync(config, supervisordConfig(dir, n))
  const env = cleanEnv()
  const daemonPid = () => readPid(join(dir, 'supervisord.pid'))
  const teardown = async () => {
    const pid = daemonPid()
    if (pid) {
      await runOk(['supervisorctl', '-c', config, 'shutdown'], {env, allow: [1, 2, 3, 4, 5, 6, 7]}).catch(() => {})
      for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50)
      killTree(pid)
    }
    removeLater(dir)
  }
  cleanup.add(teardown)
  try {
    const version = spawnSync('supervisord', ['--version'], {encoding: 'utf8'}).stdout.trim()
    // supervisord daemonizes: the command returns at once and the daemon starts the programs (autostart).
    const result = await measure({
      n,
      env,
      managerPid: daemonPid,
      start: () => run(['supervisord', '-c', config], {env, cwd: dir}),
      status: ['supervisorctl', '-c', config, 'status'],
      stop: () => run(['supervisorctl', '-c', config, 'stop', 'all'], {env, cwd: dir}),
      statusRuns,
    })
    return {version, ...result, commands: {start: 'supervisord -c FILE (autostart)', status: 'supervisorctl status', stop: 'supervisorctl stop all'}}
  } finally {
    await teardown()
  }
}
