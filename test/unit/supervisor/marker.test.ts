// The containment marker (src/supervisor/marker.ts): its value, how it is
// read back, and that the command wrapper sets it in the program itself —
// through setsid and `env -i` — without changing what the program sees.
import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {markerOf, markerWorks, parseMarker} from '../../../src/supervisor/marker.js'
import {commandWithMarker} from '../../../src/supervisor/command.js'

const limits = (locks: string) => `Limit                     Soft Limit           Hard Limit           Units     
Max open files            20000                20000                files     
Max file locks            ${locks.padEnd(20)} unlimited            locks     
Max pending signals       96367                96367                signals   
`

describe('the marker', () => {
  it('is a run id’s own number in [2^40, 2^41), the same every time', () => {
    const ids = Array.from({length: 1000}, (_, i) => `run${i}`)
    const markers = ids.map(markerOf)
    for (const m of markers) {
      expect(Number.isSafeInteger(m)).toBe(true)
      expect(m).toBeGreaterThanOrEqual(2 ** 40)
      expect(m).toBeLessThan(2 ** 41)
    }
    expect(new Set(markers).size).toBe(1000)
    expect(markerOf('run7')).toBe(markers[7])
  })

  it('is read from the soft file-locks limit, and nothing else counts as one', () => {
    expect(parseMarker(limits(String(markerOf('x'))))).toBe(markerOf('x'))
    expect(parseMarker(limits('unlimited'))).toBeNull()
    expect(parseMarker(limits('1024'))).toBeNull()
    expect(parseMarker(limits(String(2 ** 41)))).toBeNull()
    expect(parseMarker('')).toBeNull()
  })

  it.each([
    ['an argv', {argv: ['sh', '-c', 'exec setsid env -i cat /proc/self/limits']}],
    ['plain words', {shell: 'cat /proc/self/limits'}],
    ['a shell script', {shell: 'x=1; setsid env -i cat /proc/self/limits'}],
  ])('is set by the wrapper of %s, which leaves the environment as it was', (_what, command) => {
    expect(markerWorks()).toBe(true)
    const marker = markerOf('wrapped')
    const {argv, env} = commandWithMarker(command, marker)
    const run = spawnSync(argv.file, argv.args, {env: {PATH: process.env.PATH, ...env}, encoding: 'latin1'})
    expect(parseMarker(run.stdout)).toBe(marker)
    const environ = spawnSync(argv.file, argv.args.map((a) => a.replace('setsid env -i cat /proc/self/limits', 'env').replace('cat /proc/self/limits', 'env')), {env: {PATH: '/usr/bin:/bin', A: '1', ...env}, encoding: 'latin1'})
    expect(environ.stdout).not.toContain('MAR_MARKER')
  })
})
