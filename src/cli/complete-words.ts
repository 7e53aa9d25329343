// What to offer at the cursor of a `mar …` command line, for the shell
// completion scripts (`mar completion`). Commands, topics and flags come from
// oclif.manifest.json — the build writes it from the commands themselves, so
// completion can never drift from them — and names of what runs from a
// `names` callback (the daemon). Pure apart from that callback, so it is
// tested without a shell.
import {signalNames} from '../util/signals.js'

export interface Candidate {
  value: string
  description?: string
}

/** The shell should complete file names here (`-c FILE`, `export systemd DIR`). */
export const FILES = 'files'

interface ManifestFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
  allowNo?: boolean
  hidden?: boolean
  multiple?: boolean
  options?: string[]
  description?: string
  summary?: string
  helpGroup?: string
}

interface ManifestArg {
  name: string
  description?: string
  options?: string[]
}

export interface ManifestCommand {
  id: string
  hidden?: boolean
  aliases?: string[]
  summary?: string
  description?: string
  strict?: boolean
  flags: Record<string, ManifestFlag>
  args: Record<string, ManifestArg>
}

export interface Manifest {
  commands: Record<string, ManifestCommand>
}

export interface NameSource {
  /** Targets: groups, runners and instances of the current directory's stack, `STACK/` and `STACK/NAME` of every stack; `prefix` is the word typed so far. */
  targets(prefix: string, configFlag?: string): Promise<Candidate[]>
  /** Names of the stacks that are up. */
  stacks(): Promise<Candidate[]>
}

/**
 * Candidates for the last word of `words` (the words after `mar`, the last
 * one being the word at the cursor, possibly empty), filtered by what it
 * starts with; FILES when the shell should complete paths.
 */
export async function completeWords(manifest: Manifest, words: readonly string[], names: NameSource): Promise<Candidate[] | typeof FILES> {
  const current = words.at(-1) ?? ''
  const commands = Object.values(manifest.commands).filter((c) => !c.hidden)
  const byWords = new Map<string, ManifestCommand>()
  for (const command of commands) for (const id of [command.id, ...(command.aliases ?? [])]) byWords.set(id.replaceAll(':', ' '), command)
  // Every command has the global flags (src/cli/base-command.ts); before the command is known, only they can appear.
  const globals = Object.fromEntries(Object.entries(commands[0]?.flags ?? {}).filter(([, flag]) => flag.helpGroup === 'GLOBAL'))

  let command: ManifestCommand | undefined
  let commandWords = 0
  const positionals: string[] = []
  let pending: ManifestFlag | undefined
  let configFlag: string | undefined
  let literal = false
  const used = new Set<string>()
  for (const word of words.slice(0, -1)) {
    if (pending) {
      // bash splits `--config=FILE` at the "=" (COMP_WORDBREAKS): the value is the word after it.
      if (word === '=') continue
      if (pending.name === 'config') configFlag = word
      pending = undefined
      continue
    }
    if (!literal && word === '--') literal = true
    else if (!literal && word.startsWith('-') && word !== '-') {
      const flag = findFlag(command?.flags ?? globals, word)
      if (flag && !flag.multiple) used.add(flag.name)
      if (flag?.type === 'option' && !word.includes('=')) pending = flag
      else if (flag?.name === 'config') configFlag = word.slice(word.indexOf('=') + 1)
    } else {
      positionals.push(word)
      if (!command) {
        const found = byWords.get(positionals.join(' '))
        if (found) {
          command = found
          commandWords = positionals.length
        }
      }
    }
  }

  const matching = (list: Candidate[]) => list.filter((c) => c.value.startsWith(current))
  if (pending) {
    if (pending.options) return matching(pending.options.map((value) => ({value})))
    // -o of the exports names a directory here (or -).
    return pending.name === 'config' || pending.name === 'output' ? FILES : []
  }
  if (!literal && current.startsWith('-')) {
    if (current.includes('=')) return []
    return matching(flagCandidates(command?.flags ?? globals, used))
  }
  if (!command) return matching(nextWords(commands, positionals))

  const args = Object.values(command.args)
  const index = positionals.length - commandWords
  // A command that is not strict takes its last argument any number of times (TARGET…).
  const arg = args[index] ?? (command.strict === false ? args.at(-1) : undefined)
  if (!arg) return []
  if (arg.options) return matching(arg.options.map((value) => ({value})))
  switch (arg.name) {
    case 'target':
      return matching(await names.targets(current, configFlag))
    case 'stack':
      return matching(await names.stacks())
    case 'signal': {
      // As typed: SIGHUP once "S" is, else HUP (both are accepted).
      const full = current === '' || 'SIG'.startsWith(current.slice(0, 3).toUpperCase())
      return matching(signalNames().map((name) => ({value: full ? name : name.slice(3)})))
    }
    case 'command':
      return matching(nextWords(commands, positionals.slice(commandWords)))
    case 'dir':
    case 'file':
      return FILES
    default:
      return []
  }
}

function findFlag(flags: Record<string, ManifestFlag>, word: string): ManifestFlag | undefined {
  const name = word.split('=')[0]
  return Object.values(flags).find((flag) => `--${flag.name}` === name || (flag.allowNo && `--no-${flag.name}` === name) || (flag.char && `-${flag.char}` === name))
}

function flagCandidates(flags: Record<string, ManifestFlag>, used: Set<string>): Candidate[] {
  return Object.values(flags)
    .filter((flag) => !flag.hidden && !used.has(flag.name))
    .flatMap((flag) => {
      const description = (flag.summary ?? flag.description)?.split('\n')[0]
      const long: Candidate[] = [{value: `--${flag.name}`, description}]
      if (flag.allowNo) long.push({value: `--no-${flag.name}`, description: `the opposite of --${flag.name}`})
      return long
    })
}

/** The next word of every command under the words typed so far: top-level commands and topics, or a topic's commands. */
function nextWords(commands: ManifestCommand[], typed: readonly string[]): Candidate[] {
  const seen = new Map<string, Candidate>()
  const under = new Map<string, string[]>()
  for (const command of commands) {
    for (const id of [command.id, ...(command.aliases ?? [])]) {
      const parts = id.split(':')
      if (parts.length <= typed.length || typed.some((word, i) => parts[i] !== word)) continue
      const next = parts[typed.length]
      if (parts.length === typed.length + 1) seen.set(next, {value: next, description: command.summary ?? command.description?.split('\n')[0]})
      else under.set(next, [...(under.get(next) ?? []), parts[typed.length + 1]])
    }
  }
  // A topic (`daemon`) says what it holds.
  for (const [topic, subs] of under) if (!seen.has(topic)) seen.set(topic, {value: topic, description: [...new Set(subs)].sort().join(', ')})
  return [...seen.values()].sort((a, b) => a.value.localeCompare(b.value))
}
