import {describe, expect, it} from 'vitest'
import {encodeFrame, FrameReader, type FrameError} from '../../../src/api/framing.js'

function reader(max?: number) {
  const frames: unknown[] = []
  const errors: FrameError[] = []
  const r = new FrameReader((f) => frames.push(f), (e) => errors.push(e), max)
  return {r, frames, errors}
}

describe('FrameReader', () => {
  it('reassembles frames split across chunks and splits frames sharing a chunk', () => {
    const {r, frames} = reader()
    const text = encodeFrame({a: 1}) + encodeFrame({b: 'x\ny'}) + encodeFrame({c: [1, 2]})
    for (const byte of Buffer.from(text)) r.push(Buffer.from([byte]))
    expect(frames).toEqual([{a: 1}, {b: 'x\ny'}, {c: [1, 2]}])
    const again = reader()
    again.r.push(Buffer.from(text))
    expect(again.frames).toEqual(frames)
  })

  it('keeps a multi-byte character split between chunks intact', () => {
    const {r, frames} = reader()
    const bytes = Buffer.from(encodeFrame({s: 'héllo ✓'}))
    r.push(bytes.subarray(0, 4))
    r.push(bytes.subarray(4, 12))
    r.push(bytes.subarray(12))
    expect(frames).toEqual([{s: 'héllo ✓'}])
  })

  it('reports bad JSON once and ignores everything after it', () => {
    const {r, frames, errors} = reader()
    r.push(Buffer.from('{"ok":1}\nnot json\n{"ok":2}\n'))
    expect(frames).toEqual([{ok: 1}])
    expect(errors.map((e) => e.code)).toEqual(['bad-json'])
  })

  it('refuses an oversized frame before buffering it whole, with or without a newline', () => {
    const unterminated = reader(100)
    unterminated.r.push(Buffer.alloc(60, 0x61))
    unterminated.r.push(Buffer.alloc(60, 0x61))
    expect(unterminated.errors.map((e) => e.code)).toEqual(['frame-too-large'])
    const terminated = reader(100)
    terminated.r.push(Buffer.concat([Buffer.alloc(150, 0x61), Buffer.from('\n')]))
    expect(terminated.errors.map((e) => e.code)).toEqual(['frame-too-large'])
  })

  it('skips blank lines and CRLF endings', () => {
    const {r, frames} = reader()
    r.push(Buffer.from('\n\r\n{"a":1}\r\n'))
    expect(frames).toEqual([{a: 1}])
  })
})
