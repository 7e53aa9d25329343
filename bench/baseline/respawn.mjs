// respawn.mjs COUNT DIR SHELL-COMMAND: the least a supervisor must do to
// restart a crashing program with zero backoff — spawn it detached with
// stdout/stderr on O_APPEND files, and on its exit spawn it again — COUNT
// times. The command records its own start times; the bench reads them.
import {spawn} from 'node:child_process'
import {closeSync, constants, mkdirSync, openSync} from 'node:fs'
import {join} from 'node:path'

const [count = '100', dir = '.', command = 'exit 1'] = process.argv.slice(2)
const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT
mkdirSync(dir, {recursive: true})
let left = Number(count)

function launch() {
  const out = openSync(join(dir, 'out.log'), flags, 0o600)
  const err = openSync(join(dir, 'err.log'), flags, 0o600)
  const child = spawn('/bin/sh', ['-c', command], {detached: true, stdio: ['ignore', out, err]})
  closeSync(out)
  closeSync(err)
  child.once('exit', () => {
    if (--left > 0) launch()
  })
}
launch()
