// Where the exports write (systemd, kubernetes, nomad): a directory that may
// come from someone else's repository. A link planted there must never be
// written through — not with --force, not when it dangles — and whatever mar
// will not write over is one clear error, never a stack trace or a hang.
import {lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {execFileSync} from 'node:child_process'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {writeFilesSafely} from '../../../src/util/write-files.js'

const writeExport = (dir: string, list: typeof files, force: boolean) => writeFilesSafely(dir, list, {force, elsewhere: 'export into another directory'})

const files = [
  {name: '00-namespace.yaml', content: 'kind: Namespace\n', mode: 0o644},
  {name: 'web.yaml', content: 'data: {TOKEN: x}\n', mode: 0o600},
]

let root: string
let out: string
let victim: string
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mar-write-export-'))
  out = join(root, 'out')
  victim = join(root, 'victim')
  mkdirSync(out)
  writeFileSync(victim, 'the user\'s own file\n', {mode: 0o644})
})
afterEach(() => rmSync(root, {recursive: true, force: true}))

describe('writeExport', () => {
  it('refuses a symbolic link in place of a file, with --force too, and leaves its target alone', async () => {
    symlinkSync(victim, join(out, 'web.yaml'))
    for (const force of [false, true]) {
      await expect(writeExport(out, files, force)).rejects.toMatchObject({code: 'bad-output', message: expect.stringContaining('web.yaml is a symbolic link')})
    }
    expect(readFileSync(victim, 'utf8')).toBe("the user's own file\n")
    expect(statSync(victim).mode & 0o777).toBe(0o644)
    // Nothing was written: the check comes before the first file.
    expect(() => lstatSync(join(out, '00-namespace.yaml'))).toThrow()
  })

  it('refuses a dangling link instead of creating its target', async () => {
    const target = join(root, 'made-through-the-link')
    symlinkSync(target, join(out, 'web.yaml'))
    await expect(writeExport(out, files, false)).rejects.toMatchObject({code: 'bad-output'})
    await expect(writeExport(out, files, true)).rejects.toMatchObject({code: 'bad-output'})
    expect(() => lstatSync(target)).toThrow()
    expect(readlinkSync(join(out, 'web.yaml'))).toBe(target)
  })

  it('refuses a directory or a FIFO where a file goes, and a file where the directory goes, in one line each', async () => {
    mkdirSync(join(out, 'web.yaml'))
    await expect(writeExport(out, files, true)).rejects.toMatchObject({code: 'bad-output', message: expect.stringContaining('is a directory')})
    rmSync(join(out, 'web.yaml'), {recursive: true})
    execFileSync('mkfifo', [join(out, 'web.yaml')])
    await expect(writeExport(out, files, true)).rejects.toMatchObject({code: 'bad-output', message: expect.stringContaining('FIFO')})
    const aFile = join(root, 'a-file')
    writeFileSync(aFile, '')
    await expect(writeExport(aFile, files, false)).rejects.toMatchObject({code: 'bad-output', message: expect.stringContaining('is not a directory')})
    await expect(writeExport(join(aFile, 'below'), files, false)).rejects.toMatchObject({code: 'bad-output'})
  })

  it('gives up on a directory that cannot be made instead of spinning (Node\'s recursive mkdir loops on /proc/self/x)', async () => {
    await expect(writeExport('/proc/self/mar-export-test/k8s', files, false)).rejects.toMatchObject({code: 'bad-output', message: expect.stringContaining('cannot create /proc/self/mar-export-test')})
  })

  it('makes missing directories, writes each file with its mode, and with --force replaces files (not what they link to)', async () => {
    const deep = join(out, 'a', 'b')
    const paths = await writeExport(deep, files, false)
    expect(paths).toEqual(files.map((f) => join(deep, f.name)))
    expect(statSync(paths[1]!).mode & 0o777).toBe(0o600)
    await expect(writeExport(deep, files, false)).rejects.toMatchObject({code: 'file-exists'})
    // An existing file of wider mode, hard-linked elsewhere: replaced by a new file, the other name untouched.
    rmSync(paths[1]!)
    writeFileSync(victim, 'linked\n', {mode: 0o644})
    execFileSync('ln', [victim, paths[1]!])
    await writeExport(deep, files, true)
    expect(readFileSync(paths[1]!, 'utf8')).toBe('data: {TOKEN: x}\n')
    expect(statSync(paths[1]!).mode & 0o777).toBe(0o600)
    expect(readFileSync(victim, 'utf8')).toBe('linked\n')
    expect(statSync(victim).mode & 0o777).toBe(0o644)
  })
})
