// Masking of golden screen captures (test/helpers/golden.ts): what varies
// between runs goes, escapes and layout stay.
import {describe, expect, it} from 'vitest'
import {maskScreen, normalizeScreen} from '../../helpers/golden.js'

describe('golden screen masks', () => {
  it('masks pids given, times, durations, CPU, memory, sparklines, spinners and temp paths', () => {
    const screen = 'web.1  running  pid 48213  up 2m5s  0.3%  41.2 MB  ▁▃▅█  ⠙ 12:04:59  /tmp/mar-e2e-abc/x  /sys/fs/cgroup/unified/mar/1a2b'
    expect(maskScreen(screen, {replace: [['/tmp/mar-e2e-abc', '<project>'], ['48213', '<pid>']]})).toBe(
      'web.1  running  pid <pid>  up <dur>  <n>%  <mem>  ▁ ⠿ <time>  <project>/x  <cgroup>',
    )
  })

  it('leaves escape sequences alone (no digit of an SGR is masked)', () => {
    expect(maskScreen('\u001b[38;5;120m3s\u001b[0m restarts 2')).toBe('\u001b[38;5;120m<dur>\u001b[0m restarts 2')
  })

  it('compares without caring how many spaces pad a cell or trail a line', () => {
    expect(normalizeScreen('a   <n>%  b  \nc\n\n\n')).toBe(normalizeScreen('a <n>%    b\nc'))
  })
})
