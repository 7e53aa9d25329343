// spawn-many.mjs N DIR [CMD ARG…]: the least a process manager in Node must
// do to start N programs — each detached (its own process group), stdout and
// stderr to files opened with O_APPEND — and hold them. Prints
// "spawned MS" once every child has spawned (MS: inside this process, after
// node's own start-up). On SIGTERM it stops them by process group (SIGTERM
// to each group), waits for every exit, prints "stopped MS cpu SELF CHILDREN"
// (CPU ms, its own and its reaped children's) and exits.
import {spawn} from 'node:child_process'
import {closeSync, constants, mkdirSync, openSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

const [count = '200', dir = '.', ...command] = process.argv.slice(2)
const [file, ...args] = command.length > 0 ? command : ['sleep', '600']
const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT
const began = performance.now()
const children = []
const exits = []
let pending = Number(count)

for (let i = 1; i <= Number(count); i++) {
  const logs = join(dir, `i${i}`)
  mkdirSync(logs, {recursive: true})
  const out = openSync(join(logs, 'out.log'), flags, 0o600)
  const err = openSync(join(logs, 'err.log'), flags, 0o600)
  const child = spawn(file, args, {detached: true, stdio: ['ignore', out, err]})
  closeSync(out)
  closeSync(err)
  exits.push(new Promise((resolve) => child.once('exit', resolve)))
  child.once('spawn', () => {
    if (--pending === 0) process.stdout.write(`spawned ${(performance.now() - began).toFixed(1)}\n`)
  })
  child.once('error', (error) => {
    process.stderr.write(`spawn failed: ${error.message}\n`)
    process.exit(1)
  })
  children.push(child)
}

process.once('SIGTERM', async () => {
  const stopping = performance.now()
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  await Promise.all(exits)
  // Own and reaped children's CPU (ms), from /proc/self/stat, for the bench's CPU figures.
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number)
  process.stdout.write(`stopped ${(performance.now() - stopping).toFixed(1)} cpu ${(f[11] + f[12]) * 10} ${(f[13] + f[14]) * 10}\n`)
  process.exit(0)
})
