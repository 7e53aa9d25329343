// What reaches a terminal from a program or a file: colors pass in program
// lines, nothing else is obeyed — no title (OSC 0), clipboard (OSC 52),
// clear screen, cursor move, carriage return or bell — and mar's prose
// (reasons, probe messages, STATUS=) keeps none of them at all.
import {describe, expect, it} from 'vitest'
import {applyEvent, initialStatus, toInstanceInfo} from '../../../src/daemon/instance-status.js'
import {LinePrinter} from '../../../src/cli/line-printer.js'
import {createPaint} from '../../../src/util/colors.js'
import {escapeControl, plainText, programLineForTerminal} from '../../../src/util/terminal-text.js'

const ESC = '\x1b'
const hostile = `a${ESC}]0;TITLE\x07b${ESC}]52;c;aGk=${ESC}\\c${ESC}[2J${ESC}[10;1Hd\re\bf\u009b31mg\u202eh`
/** Any escape or control character a terminal would act on, tabs aside. */
const obeyed = (text: string) => /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e]/.test(text.replace(/\x1b\[[0-9;:]*m/g, ''))

describe('program lines for a terminal', () => {
  it('keep colors, reset them at the end, and show every other control character', () => {
    expect(programLineForTerminal('plain\ttext')).toBe('plain\ttext')
    expect(programLineForTerminal(`${ESC}[31mred${ESC}[0m ok`)).toBe(`${ESC}[31mred${ESC}[0m ok${ESC}[0m`)
    const shown = programLineForTerminal(`${ESC}[1m${hostile}`)
    expect(obeyed(shown)).toBe(false)
    expect(shown).toContain('\\x1b]0;TITLE\\x07')
    expect(shown).toContain('\\x1b[2J')
    expect(shown).toContain('\\r')
    expect(shown.endsWith(`${ESC}[0m`)).toBe(true)
  })

  it('LinePrinter shows them so on a terminal, and passes them as they are into a pipe', async () => {
    for (const isTTY of [true, false]) {
      let written = ''
      const stream = {isTTY, on: () => stream, write: (text: string, done?: () => void) => ((written += text), done?.(), true)} as unknown as NodeJS.WriteStream
      const printer = new LinePrinter(stream, createPaint(false), ['web.1'])
      printer.line('web.1', 'web', hostile)
      await printer.drain()
      expect(written).toBe(`web.1 | ${isTTY ? programLineForTerminal(hostile) : hostile}\n`)
      expect(obeyed(written.slice(0, -1))).toBe(!isTTY)
    }
  })
})

describe("mar's prose", () => {
  it('escapeControl and plainText leave no control character, drop colors from prose, and are idempotent', () => {
    expect(obeyed(escapeControl(hostile))).toBe(false)
    expect(plainText(`${ESC}[31mred${ESC}[0m ${hostile}`)).toMatch(/^red a\\x1b\]0;TITLE/)
    expect(plainText(plainText(hostile))).toBe(plainText(hostile))
  })

  it('the daemon keeps reasons, STATUS= and probe messages free of them, whatever a program or a remote host said', () => {
    let status = initialStatus({name: 'web.1', runner: 'web', group: 'app', host: 'local', oneshot: false, ready: {check: {kind: 'exec', command: {shell: 'true'}} as never}})
    status = applyEvent(status, {kind: 'instance', name: 'web.1', at: 1000, state: 'running', pid: 42, startedAt: 1000, status: hostile})
    status = applyEvent(status, {kind: 'instance', name: 'web.1', at: 1500, probe: {which: 'ready', passed: false, message: `exec "x": exit 1 (${hostile})`}})
    status = applyEvent(status, {kind: 'instance', name: 'web.1', at: 2000, state: 'crashed', pid: null, exit: {code: 3, signal: null}, why: {reason: `ready probe failed: ${hostile}`, reasonCode: 'crashed'}})
    const info = toInstanceInfo(status)
    for (const text of [info.reason!, info.notifyStatus!, info.ready!.message!, status.exits[0]!.reason!]) {
      expect(text).toContain('\\x1b]0;TITLE\\x07')
      expect(obeyed(text)).toBe(false)
    }
  })
})
