// oclif's hook for `mar <something unknown>`: one line in mar's own words,
// with the likely command, instead of oclif's framed "command x:y not found".
import type {Hook} from '@oclif/core'
import {didYouMean} from '../config/suggest.js'

const hook: Hook<'command_not_found'> = async function ({id, config}) {
  const words = id.split(':')
  const commands = config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' '))
  const typed = words.join(' ')
  let line: string
  // `mar status extra`: a known command given an argument it does not take.
  const known = commands.filter((c) => typed.startsWith(`${c} `)).sort((a, b) => b.length - a.length)[0]
  if (known) {
    line = `mar: unexpected argument "${typed.slice(known.length + 1)}" for \`mar ${known}\` — see \`mar ${known} --help\``
  } else {
    const guess = didYouMean(typed, commands)
    line = `mar: unknown command "${typed}"${guess ? ` — ${guess}` : ''} — see \`mar --help\``
  }
  process.stderr.write(`${line}\n`)
  process.exit(2)
}

export default hook
