// capture.mjs DIR WRITERS LINES FLOOD: the baseline of log capture — WRITERS
// programs (flood.mjs) print LINES lines of 100 bytes each straight into
// plain files opened with O_APPEND; exits once all of them have exited.
import {spawn} from 'node:child_process'
import {closeSync, constants, openSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

const [dir, writers = '10', lines = '200000', flood] = process.argv.slice(2)
const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT
const exits = []
for (let i = 0; i < Number(writers); i++) {
  const out = openSync(join(dir, `w${i}.log`), flags, 0o600)
  const child = spawn(process.execPath, [flood, lines, `w${i}`, '99'], {detached: true, stdio: ['ignore', out, out]})
  closeSync(out)
  exits.push(new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${i} exited ${code}`))))))
}
await Promise.all(exits)
// Own and reaped children's CPU (ms), from /proc/self/stat, for the bench's CPU figures.
const stat = readFileSync('/proc/self/stat', 'utf8')
const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number)
process.stdout.write(`cpu ${(f[11] + f[12]) * 10} ${(f[13] + f[14]) * 10}\n`)
