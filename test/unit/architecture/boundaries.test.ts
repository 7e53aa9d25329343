// The parts of mar and the arrows allowed between them (README,
// "Architecture"), checked over the real import graph of src/: every static
// import, re-export and dynamic import(), type-only ones included. A new
// arrow that runs the wrong way fails the build here, not in review.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'

const src = new URL('../../../src/', import.meta.url).pathname

/** Parts each part must not import (a part is a folder directly under src/). */
const forbidden: Record<string, string[]> = {
  supervisor: ['config', 'daemon', 'api', 'cli', 'commands', 'ui', 'remote', 'systemd', 'export'],
  config: ['daemon', 'api', 'cli', 'commands', 'export'],
  daemon: ['cli', 'commands', 'ui', 'export'],
  api: ['cli', 'commands', 'ui', 'daemon', 'export'],
  // Remote hosts: what the daemon and config use of them; only the agent's entry runs daemon and CLI code.
  remote: ['commands', 'ui', 'export'],
  // The orchestrator exports: a plan in, the engine's files out; nothing that runs or talks to a daemon.
  export: ['daemon', 'api', 'cli', 'commands', 'ui'],
}
/** Entry points of a program, which put the parts together: exempt from their part's rules beyond `forbidden`. */
const entries: Record<string, string[]> = {
  'remote/agent-main.ts': ['daemon', 'cli'],
}
/** Parts that may import only these (besides themselves and packages). */
const onlyFrom: Record<string, string[]> = {
  ui: ['api', 'util'],
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) return sources(full)
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : []
  })
}

/** Every module specifier a file names: import/export … from, import '…', import('…'). */
export function specifiers(text: string): string[] {
  const found: string[] = []
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!)
  return found
}

function partOf(file: string): string {
  const rel = relative(src, file)
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '(top)'
}

interface Arrow {
  from: string
  to: string
  fromPart: string
  toPart: string
}

function arrows(): Arrow[] {
  return sources(src).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8'))
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => {
        const target = resolve(dirname(file), spec)
        return {from: relative(src, file), to: relative(src, target), fromPart: partOf(file), toPart: partOf(target)}
      }),
  )
}

function violations(all: Arrow[]): string[] {
  return all
    .filter((a) => a.fromPart !== a.toPart)
    .filter((a) => forbidden[a.fromPart]?.includes(a.toPart) || (onlyFrom[a.fromPart] && !onlyFrom[a.fromPart]!.includes(a.toPart)) || (a.fromPart === 'remote' && (a.toPart === 'daemon' || a.toPart === 'cli') && !entries[a.from]?.includes(a.toPart)))
    .map((a) => `${a.from} → ${a.to}`)
}

describe('the parts keep to their rooms', () => {
  it('finds the imports it checks (static, type-only, re-exports, dynamic)', () => {
    const text = `import {a} from './a.js'\nimport type {B} from "../b.js"\nexport {c} from './c.js'\nimport './d.js'\nconst e = await import('./e.js')\nimport {\n  f,\n} from './f.js'`
    expect(specifiers(text).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './e.js', './f.js'])
    expect(arrows().length).toBeGreaterThan(100)
  })

  it('no arrow runs where the architecture forbids it', () => {
    expect(violations(arrows())).toEqual([])
  })

  it('would catch one that does', () => {
    const bad = [{from: 'supervisor/x.ts', to: 'config/types.js', fromPart: 'supervisor', toPart: 'config'}, {from: 'ui/x.tsx', to: 'daemon/y.js', fromPart: 'ui', toPart: 'daemon'}]
    expect(violations(bad)).toEqual(['supervisor/x.ts → config/types.js', 'ui/x.tsx → daemon/y.js'])
  })
})
