// ink's per-frame caches made lasting (src/ui/ink-caches.ts): the patch must
// find ink's Output as it was written against, and a screen drawn with it
// must be what ink draws without it.
import {Box, Text} from 'ink'
import {render} from 'ink-testing-library'
import React from 'react'
import {describe, expect, it} from 'vitest'
import {shareInkCaches} from '../../../src/ui/ink-caches.js'
import {waitFor} from '../../helpers/wait.js'

function Screen(props: {rows: string[]}) {
  return (
    <Box flexDirection="column">
      {props.rows.map((row, i) => (
        <Text key={i} color={i % 2 ? 'green' : undefined} inverse={i === 1}>
          {row}
        </Text>
      ))}
    </Box>
  )
}

describe('lasting ink caches', () => {
  it('patch ink’s Output (an ink upgrade that changes its shape fails here, not silently)', async () => {
    expect(await shareInkCaches()).toBe(true)
    expect(await shareInkCaches()).toBe(true)
  })

  it('frames drawn after the patch are the frames ink draws: the same lines again, changed lines, wide characters', async () => {
    await shareInkCaches()
    const r = render(<Screen rows={['alpha ●', 'beta 日本', 'gamma']} />)
    try {
      await waitFor('the first frame', () => (r.lastFrame() ?? '').includes('gamma'))
      const first = r.lastFrame()
      r.rerender(<Screen rows={['alpha ●', 'beta 日本', 'delta']} />)
      await waitFor('the changed line', () => (r.lastFrame() ?? '').includes('delta'))
      expect(r.lastFrame()!.split('\n').slice(0, 2)).toEqual(first!.split('\n').slice(0, 2))
      r.rerender(<Screen rows={['alpha ●', 'beta 日本', 'gamma']} />)
      await waitFor('the first again', () => (r.lastFrame() ?? '').includes('gamma'))
      expect(r.lastFrame()).toBe(first)
    } finally {
      r.unmount()
    }
  })
})
