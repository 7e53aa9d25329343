// Telling apart what execve's one errno means, on real files.
import {chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {diagnoseCwd, diagnoseProgram, isPermanentErrno} from '../../../src/supervisor/spawn-diagnosis.js'

const dir = mkdtempSync(join(tmpdir(), 'mar-diag-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
const file = (name: string, text: string, mode: number) => {
  writeFileSync(join(dir, name), text)
  chmodSync(join(dir, name), mode)
  return join(dir, name)
}
const problem = (program: string, env: Record<string, string> = {PATH: '/usr/bin:/bin'}) => {
  const found = diagnoseProgram(program, env, dir)
  return 'problem' in found ? found.problem : null
}

describe('diagnoseProgram', () => {
  it('finds a runnable script by path and a program on PATH', () => {
    file('ok.sh', '#!/bin/sh\n', 0o755)
    expect(diagnoseProgram('./ok.sh', {}, dir)).toEqual({path: join(dir, 'ok.sh')})
    expect(diagnoseProgram('sh', {PATH: '/nonexistent:/bin'}, dir)).toEqual({path: '/bin/sh'})
  })

  it('tells a file without the x bit from a missing one, and offers sh only for a script', () => {
    file('nox.sh', '#!/bin/sh\n', 0o644)
    expect(problem('./nox.sh')).toEqual({reasonCode: 'spawn-not-executable', message: "./nox.sh is not executable — chmod +x ./nox.sh or run it as 'sh ./nox.sh'"})
    copyFileSync('/bin/true', join(dir, 'binary'))
    chmodSync(join(dir, 'binary'), 0o644)
    expect(problem(`${dir}/binary`)?.message).toBe(`${dir}/binary is not executable — chmod +x ${dir}/binary`)
    expect(problem('./absent')).toEqual({reasonCode: 'spawn-not-found', message: `./absent not found (no file ${dir}/absent; cwd ${dir})`})
    expect(problem('/no/such/prog')).toEqual({reasonCode: 'spawn-not-found', message: '/no/such/prog not found (no such file)'})
  })

  it('on PATH: names the non-executable file found, or the PATH searched', () => {
    mkdirSync(join(dir, 'pbin'))
    writeFileSync(join(dir, 'pbin', 'tool'), '#!/bin/sh\n')
    expect(problem('tool', {PATH: `/bin:${dir}/pbin`})?.message).toBe(`tool (${dir}/pbin/tool) is not executable — chmod +x ${dir}/pbin/tool or run it as 'sh ${dir}/pbin/tool'`)
    expect(problem('nosuch-tool', {PATH: '/bin:/usr/bin'})?.message).toBe('nosuch-tool not found on PATH (/bin:/usr/bin)')
  })

  it('says a directory is not a program', () => {
    expect(problem('./pbin')).toEqual({reasonCode: 'spawn-not-executable', message: './pbin is a directory, not a program'})
  })

  it('names a missing interpreter, one found through env, and CRLF line endings', () => {
    file('badi.sh', '#!/usr/bin/nosuch -x\n', 0o755)
    expect(problem('./badi.sh')).toEqual({reasonCode: 'spawn-not-found', message: './badi.sh: interpreter /usr/bin/nosuch not found'})
    file('env.sh', '#!/usr/bin/env nosuch-interp\n', 0o755)
    expect(problem('./env.sh')?.message).toBe('./env.sh: interpreter nosuch-interp not found on PATH (/usr/bin:/bin)')
    file('dos.sh', '#!/bin/sh\r\n', 0o755)
    expect(problem('./dos.sh')?.message).toMatch(/^\.\/dos\.sh: interpreter \/bin\/sh not found — the file has Windows \(CRLF\) line endings/)
  })
})

describe('diagnoseCwd and the healing rule', () => {
  it('blames a missing or non-directory working directory', () => {
    expect(diagnoseCwd(dir)).toBeNull()
    expect(diagnoseCwd(join(dir, 'gone'))?.message).toMatch(/^working directory .*gone does not exist/)
    expect(diagnoseCwd(join(dir, 'ok.sh'))?.message).toMatch(/is not a directory/)
  })

  it('retries a shortage, never a missing or non-executable file', () => {
    for (const errno of ['ENOENT', 'EACCES', 'ENOEXEC', 'ENOTDIR', 'E2BIG']) expect(isPermanentErrno(errno)).toBe(true)
    for (const errno of ['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM', 'ETXTBSY', undefined]) expect(isPermanentErrno(errno)).toBe(false)
  })
})
