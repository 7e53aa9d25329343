// Running systemctl for `mar startup` / `mar unstartup`, with its failure as
// data: on machines where systemd is not PID 1 (containers, CI) every call
// fails, and the commands turn that into one line, not a stack trace.
import {execa} from 'execa'
import type {Scope} from './startup-unit.js'

export type SystemctlResult = {ok: true; command: string} | {ok: false; command: string; reason: string}

/** MAR_SYSTEMCTL is a test hook: tests point it at a fake that records its arguments. */
export function systemctlBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.MAR_SYSTEMCTL || 'systemctl'
}

export async function systemctl(scope: Scope, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<SystemctlResult> {
  const argv = [...(scope === 'user' ? ['--user'] : []), ...args]
  // Shown to the user as what to run by hand, so always as `systemctl`.
  const command = ['systemctl', ...argv].join(' ')
  const result = await execa(systemctlBinary(env), argv, {reject: false, stdin: 'ignore', env, extendEnv: false, timeout: 60_000})
  if (!result.failed) return {ok: true, command}
  return {ok: false, command, reason: failureReason(result)}
}

function failureReason(result: {code?: string; exitCode?: number; signal?: string; timedOut?: boolean; stderr?: unknown; stdout?: unknown}): string {
  if (result.code === 'ENOENT') return 'systemctl was not found'
  if (result.timedOut) return 'it did not finish within 60s'
  // systemctl explains itself on stderr in a line or two, e.g. "System has not
  // been booted with systemd as init system (PID 1). Can't operate." and
  // "Failed to connect to bus: Host is down": keep them, on one line.
  const text = [result.stderr, result.stdout].find((s): s is string => typeof s === 'string' && s.trim() !== '') ?? ''
  const said = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ')
  const status = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode ?? '?'}`
  return said === '' ? status : said.length > 240 ? `${said.slice(0, 237)}...` : said
}
