// Readiness and liveness probes of one instance: interpolated (URLs,
// host:port, patterns, argv) with the instance's variables, checked (a URL
// parses, a pattern compiles), and given their default timings.
import {compileUserPattern} from '../util/user-pattern.js'
import {DEFAULTS} from './defaults.js'
import {issueAt, resolveCommand, resolveText, type PlanContext} from './resolve.js'
import type {HealthInput, ReadyInput} from './schema-probe.js'
import type {Vars} from './interpolate.js'
import type {HealthSpec, ProbeCheck, ProbeSpec} from './types.js'
import type {ConfigPath} from './source.js'

type ProbeObject = Exclude<ReadyInput | HealthInput, 'notify'>

function resolveCheck(ctx: PlanContext, probe: ReadyInput | HealthInput, path: ConfigPath, vars: Vars): ProbeCheck | undefined {
  if (probe === 'notify') return {kind: 'notify'}
  const p = probe as ProbeObject & {after?: number}
  if (p.tcp !== undefined) return resolveTcp(ctx, p.tcp, [...path, 'tcp'], vars)
  if (p.http !== undefined) {
    const url = resolveText(ctx, p.http, [...path, 'http'], vars)
    let parsed: URL | undefined
    try {
      parsed = new URL(url)
    } catch {
      // reported below
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol)) {
      issueAt(ctx, [...path, 'http'], 'invalid-value', `invalid http probe URL "${url}"`, 'write a full URL such as http://127.0.0.1:${PORT}/health')
      return undefined
    }
    return p.status === undefined ? {kind: 'http', url} : {kind: 'http', url, status: p.status}
  }
  if (p.exec !== undefined) return {kind: 'exec', command: resolveCommand(ctx, p.exec, [...path, 'exec'], vars)}
  if (p.log !== undefined) {
    const pattern = resolveText(ctx, p.log, [...path, 'log'], vars)
    try {
      compileUserPattern(pattern, 'log pattern')
    } catch (error) {
      issueAt(ctx, [...path, 'log'], 'invalid-value', `invalid ${(error as Error).message}`, 'patterns use RE2 syntax (no lookahead, lookbehind or backreferences)')
      return undefined
    }
    return {kind: 'log', pattern}
  }
  if (p.notify) return {kind: 'notify'}
  if (p.after !== undefined) return {kind: 'after', delayMs: p.after}
  return undefined
}

/** `5432`, `"5432"`, `":5432"`, `"db:5432"`, `"${PORT}"` → host and port. */
function resolveTcp(ctx: PlanContext, value: number | string, path: ConfigPath, vars: Vars): ProbeCheck | undefined {
  if (typeof value === 'number') return {kind: 'tcp', host: DEFAULTS.tcpHost, port: value}
  const text = resolveText(ctx, value, path, vars)
  const match = /^(?:(.*):)?(\d+)$/.exec(text.trim())
  const port = match ? Number(match[2]) : NaN
  if (!match || port < 1 || port > 65_535) {
    issueAt(ctx, path, 'invalid-value', `invalid tcp probe "${text}": expected a port or host:port`)
    return undefined
  }
  const host = match[1]?.replace(/^\[(.*)\]$/, '$1') || DEFAULTS.tcpHost
  return {kind: 'tcp', host, port}
}

export function resolveReady(ctx: PlanContext, probe: ReadyInput | undefined, path: ConfigPath, vars: Vars): ProbeSpec | undefined {
  if (probe === undefined) return undefined
  const check = resolveCheck(ctx, probe, path, vars)
  if (!check) return undefined
  const timing = probe === 'notify' ? {} : probe
  return {check, timeoutMs: timing.timeout ?? DEFAULTS.ready.timeoutMs, intervalMs: timing.interval ?? DEFAULTS.ready.intervalMs}
}

export function resolveHealth(ctx: PlanContext, probe: HealthInput | undefined, path: ConfigPath, vars: Vars): HealthSpec | undefined {
  if (probe === undefined) return undefined
  const check = resolveCheck(ctx, probe, path, vars)
  if (!check) return undefined
  const timing = probe === 'notify' ? {} : probe
  return {
    check,
    timeoutMs: timing.timeout ?? DEFAULTS.health.timeoutMs,
    intervalMs: timing.interval ?? DEFAULTS.health.intervalMs,
    failures: 'failures' in timing && timing.failures !== undefined ? timing.failures : DEFAULTS.health.failures,
  }
}
