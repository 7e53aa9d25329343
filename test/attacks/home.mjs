// Attacks and faults on MAR_HOME and the daemon process: planted links,
// another user's directory, a stopped daemon, a full disk.
import {chownSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {kill, processesWithEnv, s, waitFor} from './lib.mjs'

const root = process.getuid?.() === 0

export const plantedLinks = {
  id: 5,
  name: 'planted links',
  what: 'a symbolic link planted as `daemon.log`, `journal.jsonl`, `logs` in MAR_HOME, pointing at a file of the user',
  fast: true,
  timeoutMs: 60_000,
  async run(scope) {
    const home = scope.home()
    const dir = scope.project({'mar.yaml': 'name: app\nrunners:\n  web: sleep 300\n'})
    const victim = join(scope.dir(), 'victim')
    writeFileSync(victim, 'precious\n')
    const codes = []
    const named = []
    for (const name of ['daemon.log', 'journal.jsonl', 'logs']) {
      rmSync(join(home.path, name), {recursive: true, force: true})
      symlinkSync(victim, join(home.path, name))
      const up = await home.mar(['up'], {cwd: dir})
      codes.push(up.code)
      named.push(up.stderr.includes(`${name} is a symbolic link`) && up.stderr.split('\n').filter(Boolean).length === 1)
      rmSync(join(home.path, name))
    }
    const unchanged = readFileSync(victim, 'utf8') === 'precious\n'
    return {
      does: `\`mar up\` refuses: one line naming the link and what to remove; nothing started`,
      figure: `exit ${[...new Set(codes)].join('/')} ×3; target ${unchanged ? 'unchanged' : 'CHANGED'}`,
      data: {codes, named, unchanged, daemon: home.daemonPid()},
      checks: [
        ['exit 3 each time', codes.every((code) => code === 3)],
        ['one line naming the link', named.every(Boolean)],
        ["the link's target unchanged", unchanged],
        ['no daemon started', processesWithEnv(`MAR_HOME=${home.path}`).length === 0],
      ],
    }
  },
}

export const foreignHome = {
  id: 6,
  name: "another user's MAR_HOME",
  what: 'a MAR_HOME owned by another uid (`chown 1001`), mar run as root',
  fast: true,
  skip: root ? null : 'needs root',
  timeoutMs: 60_000,
  async run(scope) {
    const home = scope.home()
    chownSync(home.path, 1001, 1001)
    const dir = scope.project({'mar.yaml': 'name: app\nrunners:\n  web: sleep 300\n'})
    const results = []
    for (const args of [['up'], ['status'], ['daemon', 'start']]) results.push({args: args.join(' '), ...(await home.mar(args, {cwd: dir}))})
    const line = `belongs to uid 1001, not to you (uid 0)`
    const untouched = readdirSync(home.path).length === 0
    return {
      does: `refused before anything is read or written: \`MAR_HOME … ${line}\``,
      figure: results.map((r) => `\`${r.args}\` exit ${r.code}`).join(', '),
      data: {codes: Object.fromEntries(results.map((r) => [r.args, r.code])), untouched},
      checks: [
        ['exit 3 for up, status, daemon start', results.every((r) => r.code === 3)],
        ['the one line names the owner', results.every((r) => r.stderr.includes(line))],
        ['nothing created in it', untouched],
      ],
    }
  },
}

export const stoppedDaemon = {
  id: 7,
  name: 'stopped daemon',
  what: 'the daemon stopped with SIGSTOP; `mar status`, then `mar up`',
  // Slow (the client waits 10 s for a hello); daemon-survival.test.ts covers it in `npm test`.
  fast: false,
  timeoutMs: 90_000,
  async run(scope) {
    const home = scope.home()
    const dir = scope.project({'mar.yaml': 'name: frozen\nrunners:\n  a: sleep 300\n'})
    if ((await home.mar(['up'], {cwd: dir})).code !== 0) throw new Error('mar up failed')
    const pid = home.daemonPid()
    const daemonsBefore = daemons(home.path).length
    kill(pid, 'SIGSTOP')
    let status, up, daemonsDuring
    try {
      status = await home.mar(['status'], {timeoutMs: 40_000})
      up = await home.mar(['up', '--no-wait'], {cwd: dir, timeoutMs: 40_000})
      daemonsDuring = daemons(home.path).length
    } finally {
      kill(pid, 'SIGCONT')
    }
    const names = (r) => r.stderr.includes(`(pid ${pid})`) && r.stderr.includes('does not answer')
    return {
      does: `exit ${status.code}: "the mar daemon (pid N) … is running but does not answer", with \`kill -CONT\` as the fix; \`mar up\` starts no second daemon (exit ${up.code})`,
      figure: `\`mar status\` answers in ${s(status.ms)}, \`mar up\` in ${s(up.ms)}; daemons: ${daemonsDuring}`,
      data: {statusCode: status.code, statusMs: status.ms, upCode: up.code, upMs: up.ms, daemonsBefore, daemonsDuring, samePid: home.daemonPid() === pid},
      checks: [
        ['status exit 3 naming the pid', status.code === 3 && names(status)],
        ['up exit 3 naming the pid', up.code === 3 && names(up)],
        ['answered within 15 s', status.ms < 15_000 && up.ms < 15_000],
        ['no second daemon', daemonsDuring === 1 && home.daemonPid() === pid],
      ],
    }
  },
}

/** The daemon processes of a MAR_HOME (its instances carry MAR_HOME too; a daemon has it and no MAR_RUN_ID). */
function daemons(home) {
  return processesWithEnv(`MAR_HOME=${home}`).filter((pid) => {
    try {
      return !readFileSync(`/proc/${pid}/environ`, 'latin1').includes('\0MAR_RUN_ID=') && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('daemon')
    } catch {
      return false
    }
  })
}

export const fullDisk = {
  id: 8,
  name: 'full disk',
  what: 'a full disk: MAR_HOME on a 4 MiB tmpfs, filled to the last block, then `mar restart`; then space returns',
  fast: false,
  skip: root ? null : 'needs root (mount)',
  timeoutMs: 90_000,
  async run(scope) {
    const mount = scope.tmpfs('4m')
    if (!mount) return {does: 'skipped: tmpfs cannot be mounted here', figure: '—', data: {}, checks: [['tmpfs mounted', false]]}
    const path = join(mount, 'home')
    mkdirSync(path, {mode: 0o700})
    const home = scope.home(path)
    const dir = scope.project({'mar.yaml': 'name: full\nrunners:\n  a: sleep 300\n  b: sleep 300\n'})
    if ((await home.mar(['up'], {cwd: dir})).code !== 0) throw new Error('mar up failed')
    const before = (await home.status()).data.stacks[0].instances.find((i) => i.name === 'a.1').pid
    const filler = join(mount, 'filler')
    try {
      writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024))
    } catch {
      // full, as intended
    }
    const restart = await home.mar(['restart', 'a'], {cwd: dir})
    const after = (await home.status()).data.stacks[0].instances.find((i) => i.name === 'a.1')
    const status = await home.mar(['status'], {cwd: dir})
    const warned = status.stderr.includes('mar: warning: the daemon cannot write its records (')
    const stackFile = join(path, 'stacks', 'full.json')
    const savedBefore = statSync(stackFile).mtimeMs
    rmSync(filler)
    const freed = performance.now()
    await waitFor('the records written again', async () => !(await home.mar(['status'])).stderr.includes('cannot write its records'), 30_000, 200)
    const writtenMs = performance.now() - freed
    const rewritten = statSync(stackFile).mtimeMs > savedBefore
    return {
      does: `\`mar restart\` exit ${restart.code} (restarted from memory); \`mar status\` exit ${status.code} with the warning on stderr; records written again once space returns`,
      figure: `records written ${s(writtenMs)} after space returned (retried every 5 s)`,
      data: {restartCode: restart.code, restarted: after.pid !== before && after.state === 'running', statusCode: status.code, warned, writtenMs, rewritten},
      checks: [
        ['restart exit 0 and the instance restarted', restart.code === 0 && after.pid !== before && after.state === 'running'],
        ['status exit 0 with the warning', status.code === 0 && warned],
        ['records written again within 10 s', writtenMs < 10_000 && rewritten],
        ['no temporary file left', readdirSync(join(path, 'stacks')).every((n) => !n.endsWith('.tmp'))],
      ],
    }
  },
}


