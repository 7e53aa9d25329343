// Every command, from the manifest the package ships: `--help` lists each of
// its flags; an unknown flag or a missing argument is exit 2 with one line on
// stderr (what, and where to look) and nothing on stdout (SPEC §3).
import {readFileSync} from 'node:fs'
import {afterAll, describe, expect, it} from 'vitest'
import {mar, project} from '../helpers/cli.js'

interface ManifestCommand {
  aliases: string[]
  args: Record<string, {required?: boolean}>
  flags: Record<string, {char?: string; allowNo?: boolean; hidden?: boolean}>
}
const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {commands: Record<string, ManifestCommand>}
const commands = Object.entries(manifest.commands).map(([id, command]) => ({words: id.split(':'), command}))

// A project, so that nothing a command does with a config can fail before its flags are read.
const p = project({'mar.yaml': 'name: usage\nrunners:\n  web: sleep 300\n'})
afterAll(() => p.cleanup())

describe('every command', () => {
  // `mar help --help` is the general help, as in git.
  const helped = commands.filter(({words}) => words[0] !== 'help')
  it.each(helped.map(({words, command}) => [words.join(' '), words, command] as const))('%s --help lists each of its flags', async (_name, words, command) => {
    const help = await mar([...words, '--help'], {cwd: p.dir})
    expect(help.code).toBe(0)
    expect(help.stderr).toBe('')
    for (const [name, flag] of Object.entries(command.flags)) {
      if (flag.hidden) continue
      expect(help.stdout, `--${name}`).toContain(flag.allowNo ? `--[no-]${name}` : `--${name}`)
      if (flag.char) expect(help.stdout, `-${flag.char}`).toContain(`-${flag.char}, --`)
    }
  })

  it.each(commands.map(({words}) => [words.join(' '), words] as const))('%s --no-such-flag: exit 2, one line', async (name, words) => {
    const result = await mar([...words, '--no-such-flag'], {cwd: p.dir})
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`mar: Nonexistent flag: --no-such-flag — see \`mar ${name} --help\`\n`)
  })

  const needArgs = commands.filter(({command}) => Object.values(command.args).some((arg) => arg.required))
  it.each(needArgs.map(({words}) => [words.join(' '), words] as const))('%s without its argument: exit 2, one line naming it', async (name, words) => {
    const result = await mar(words, {cwd: p.dir})
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^mar: Missing 1 required arg: \\S+ .* — see \`mar ${name} --help\`$`))
    // oclif's note on repeatable flags (export systemd --env) is no help to someone who left out DIR.
    expect(lines[0]).not.toContain('Note:')
  })
})
