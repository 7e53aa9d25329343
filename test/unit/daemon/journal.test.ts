import {appendFileSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {bootId, Journal, journalKey} from '../../../src/daemon/journal.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, {recursive: true, force: true})))
function journal() {
  const dir = mkdtempSync(join(tmpdir(), 'mar-journal-'))
  dirs.push(dir)
  return {j: new Journal(join(dir, 'journal.jsonl')), path: join(dir, 'journal.jsonl')}
}
const spawn = (instance: string, runId: string, pid = 100) => ({stack: 's', instance, pid, startTime: 5, startedAt: 1, runId})

describe('Journal', () => {
  it('replays to the last run of each instance: live, ended, or forgotten when stopped on purpose', () => {
    const {j} = journal()
    j.spawned(spawn('a.1', 'r1'))
    j.exited('s', 'a.1', 'r1', {code: 1, signal: null})
    j.spawned(spawn('a.1', 'r2', 101))
    j.spawned(spawn('b.1', 'r3'))
    j.exited('s', 'b.1', 'r3', {code: 0, signal: null})
    j.spawned(spawn('c.1', 'r4'))
    j.exited('s', 'c.1', 'r4', {code: null, signal: 'SIGTERM'}, true)
    const live = j.load()
    expect(live.get(journalKey('s', 'a.1'))).toMatchObject({pid: 101, runId: 'r2'})
    expect(live.get(journalKey('s', 'a.1'))!.ended).toBeUndefined()
    expect(live.get(journalKey('s', 'b.1'))!.ended).toEqual({code: 0, signal: null})
    expect(live.has(journalKey('s', 'c.1'))).toBe(false)
  })

  it('ignores a torn last line and entries of another boot', () => {
    const {j, path} = journal()
    j.spawned(spawn('a.1', 'r1'))
    j.close()
    appendFileSync(path, `${JSON.stringify({t: 'spawn', boot: 'another-boot', ...spawn('b.1', 'r9')})}\n{"t":"spawn","bo`)
    const live = j.load()
    expect([...live.keys()]).toEqual([journalKey('s', 'a.1')])
  })

  it('compacts itself as it grows: a crash loop cannot grow it without bound', () => {
    const {j, path} = journal()
    for (let i = 0; i < 20_000; i++) {
      j.spawned(spawn('loop.1', `r${i}`, 1000 + i))
      j.exited('s', 'loop.1', `r${i}`, {code: 1, signal: null})
    }
    j.spawned(spawn('loop.1', 'last', 99))
    j.close()
    expect(statSync(path).size).toBeLessThan(1.2 * 1024 * 1024)
    const live = new Journal(path).load()
    expect(live.get(journalKey('s', 'loop.1'))).toMatchObject({runId: 'last', pid: 99})
  })

  it('compacts to the records given, keeping how ended runs ended', () => {
    const {j, path} = journal()
    j.spawned(spawn('a.1', 'r1'))
    j.spawned(spawn('b.1', 'r2'))
    j.exited('s', 'b.1', 'r2', {code: 0, signal: null})
    j.compact(j.load().values())
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {t: string; boot: string})
    expect(lines.map((l) => l.t)).toEqual(['spawn', 'spawn', 'exit'])
    expect(lines.every((l) => l.boot === bootId())).toBe(true)
    expect(new Journal(path).load().get(journalKey('s', 'b.1'))!.ended).toEqual({code: 0, signal: null})
  })
})
