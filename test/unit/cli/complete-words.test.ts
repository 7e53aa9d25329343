// What completion offers at the cursor, over the real oclif.manifest.json
// and a fake source of running names (the e2e test asks a real daemon).
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {completeWords, FILES, type Manifest, type NameSource} from '../../../src/cli/complete-words.js'
import {render} from '../../../src/cli/complete.js'

const manifest = JSON.parse(readFileSync(new URL('../../../oclif.manifest.json', import.meta.url), 'utf8')) as Manifest
const asked: Array<{prefix: string; config?: string}> = []
const names: NameSource = {
  async targets(prefix, config) {
    asked.push({prefix, config})
    return [{value: 'web', description: 'runner'}, {value: 'web.1'}, {value: 'shop/'}]
  },
  async stacks() {
    return [{value: 'shop'}]
  },
}
const values = async (...words: string[]) => {
  const result = await completeWords(manifest, words, names)
  return result === FILES ? FILES : result.map((c) => c.value)
}

describe('completeWords', () => {
  it('commands and topics at the start, a topic\'s commands after it, aliases too', async () => {
    expect(await values('')).toEqual(expect.arrayContaining(['up', 'down', 'daemon', 'export', 'ps', 'completion']))
    expect(await values('')).not.toContain('daemon start')
    expect(await values('daemon', '')).toEqual(['dial-stdio', 'run', 'start', 'status', 'stop'])
    expect(await values('--json', 'p')).toEqual(['ps'])
    expect(await values('help', 'daemon', 'r')).toEqual(['run'])
  })

  it('the command\'s own flags, --no- forms, without those already given', async () => {
    expect(await values('up', '--no-')).toEqual(['--no-color', '--no-wait', '--no-mouse'])
    expect(await values('logs', '--follow', '--f')).toEqual([])
    expect(await values('-q', '--q')).toEqual([])
    expect(await values('logs', '--since=1')).toEqual([])
  })

  it('a flag\'s value: paths for --config, nothing for others; the value is not taken for a command', async () => {
    expect(await values('up', '-c', '')).toBe(FILES)
    expect(await values('logs', '--since', '')).toEqual([])
    // bash hands `--config=ma` over as three words
    expect(await values('up', '--config', '=', 'ma')).toBe(FILES)
    expect(await values('logs', '--since', '=', '10m', 'w')).toEqual(['web', 'web.1'])
    expect(await values('-c', 'stop', 'logs', 'w')).toEqual(['web', 'web.1'])
    expect(asked.at(-1)).toEqual({prefix: 'w', config: 'stop'})
  })

  it('arguments: every TARGET of a variadic command, choices, signals, paths', async () => {
    expect(await values('stop', 'web', 'web.1', '')).toEqual(['web', 'web.1', 'shop/'])
    const signals = await values('signal', 'SIGT')
    expect(signals).toContain('SIGTERM')
    expect(signals).toEqual((signals as string[]).filter((s) => s.startsWith('SIGT')))
    expect(await values('signal', 'HUP', 'w')).toEqual(['web', 'web.1'])
    expect(await values('completion', '')).toEqual(['bash', 'zsh', 'fish'])
    expect(await values('export', 'systemd', '')).toBe(FILES)
    expect(await values('export', 'kubernetes', '')).toBe(FILES)
    expect(await values('export', 'nomad', '-o', '')).toBe(FILES)
    expect(await values('export', 'nomad', '--driver', '')).toEqual(['raw_exec', 'exec'])
    expect(await values('validate', '')).toEqual([])
  })

  it('renders one candidate a line in each shell\'s form', () => {
    const list = [{value: 'web', description: 'runner,\n2 instances'}, {value: 'a:b'}]
    expect(render('bash', list)).toBe('web\na:b\n')
    expect(render('zsh', list)).toBe('web:runner, 2 instances\na\\:b\n')
    expect(render('fish', list)).toBe('web\trunner, 2 instances\na:b\n')
  })
})
