import {describe, expect, it} from 'vitest'
import {checkShellReferences, interpolate} from '../../../src/config/interpolate.js'

const vars = {HOST: 'db.local', EMPTY: '', PORT: '5432'}

describe('interpolate (textual)', () => {
  it('substitutes ${VAR}', () => {
    expect(interpolate('postgres://${HOST}:${PORT}/app', vars)).toEqual({value: 'postgres://db.local:5432/app', problems: []})
  })

  it('uses :- defaults when unset or empty, - defaults only when unset', () => {
    expect(interpolate('${NOPE:-x} ${EMPTY:-y} ${EMPTY-z} ${NOPE-w}', vars).value).toBe('x y  w')
  })

  it('interpolates inside defaults', () => {
    expect(interpolate('${NOPE:-${HOST}:${PORT}}', vars).value).toBe('db.local:5432')
  })

  it('turns $$ into $ and leaves a lone $ alone (regex anchors)', () => {
    expect(interpolate('cost $$5, ready$', vars).value).toBe('cost $5, ready$')
    expect(interpolate('$HOST', vars).value).toBe('$HOST')
  })

  it('reports an unknown variable with its offset', () => {
    const {problems} = interpolate('a ${MISSING} b', vars)
    expect(problems).toEqual([expect.objectContaining({kind: 'unknown-variable', name: 'MISSING', offset: 2})])
  })

  it('reports an unknown variable inside a default at its own offset', () => {
    const {problems} = interpolate('${NOPE:-${ALSO}}', vars)
    expect(problems).toEqual([expect.objectContaining({name: 'ALSO', offset: 8})])
  })

  it('reports bad syntax', () => {
    expect(interpolate('${', vars).problems[0].kind).toBe('bad-syntax')
    expect(interpolate('${1}', vars).problems[0].kind).toBe('bad-syntax')
    expect(interpolate('${A:?err}', vars).problems[0].kind).toBe('bad-syntax')
  })
})

describe('checkShellReferences (shell strings are checked, never substituted)', () => {
  it('accepts known variables and references with defaults', () => {
    expect(checkShellReferences('serve --port ${PORT} --host ${BIND:-0.0.0.0}', vars)).toEqual([])
  })

  it('reports ${VAR} without default that nothing defines', () => {
    expect(checkShellReferences('echo ${MISSING}', vars)).toEqual([expect.objectContaining({name: 'MISSING', offset: 5})])
  })

  it('ignores single-quoted text, escaped dollars, $$ and bare $VAR', () => {
    expect(checkShellReferences(`echo '\${A}' \\\${B} $$ $C "\${PORT}"`, vars)).toEqual([])
  })

  it('still checks inside double quotes', () => {
    expect(checkShellReferences('echo "${D}"', vars).map((p) => p.name)).toEqual(['D'])
  })

  it('accepts variables the command itself defines and those sh provides', () => {
    expect(checkShellReferences('X=1; for f in *; do echo ${X} ${f} ${PWD}; done; read -r line; echo ${line}', vars)).toEqual([])
  })
})
