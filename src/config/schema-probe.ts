// Readiness and liveness probes. One object with exactly one check key
// (tcp, http, exec, log, notify, after) plus timing keys, rather than a
// union of objects: a union would turn one misspelt key into six errors.
import * as z from 'zod'
import {Command, Duration} from './schema-primitives.js'

export const CHECK_KEYS = ['tcp', 'http', 'exec', 'log', 'notify', 'after'] as const
export type CheckKey = (typeof CHECK_KEYS)[number]

const checks = {
  tcp: z
    .union([z.number().int().min(1).max(65_535), z.string().min(1)])
    .optional()
    .describe('Ready when a TCP connection succeeds: a port, or "host:port" (interpolated, e.g. "${PORT}").'),
  http: z.string().min(1).optional().describe('Ready when a GET of this URL answers (any 2xx, or `status`). Interpolated.'),
  status: z.number().int().min(100).max(599).optional().describe('With `http`: the status code to expect instead of any 2xx.'),
  exec: Command.optional().describe('Ready when this command exits 0 (string: run by /bin/sh -c; list: argv).'),
  log: z.string().min(1).optional().describe('Ready when a line of output matches this regular expression. Interpolated.'),
  notify: z.literal(true).optional().describe('Ready when the child sends READY=1 over NOTIFY_SOCKET (systemd protocol).'),
}

type ProbeFields = {[K in CheckKey]?: unknown} & {status?: number}

function requireOneCheck(value: ProbeFields, ctx: z.RefinementCtx, readiness: boolean): void {
  const present = CHECK_KEYS.filter((key) => value[key] !== undefined)
  if (present.length === 0) {
    ctx.addIssue({code: 'custom', message: `a probe needs one check: ${CHECK_KEYS.filter((k) => readiness || k !== 'after').join(', ')}`})
  } else if (present.length > 1) {
    ctx.addIssue({code: 'custom', message: `a probe has one check, found ${present.join(' and ')}`, path: [present[1]], params: {hint: 'use one probe per runner'}})
  }
  if (value.status !== undefined && value.http === undefined) {
    ctx.addIssue({code: 'custom', message: '`status` only applies to an http probe', path: ['status']})
  }
}

const ReadyObject = z
  .strictObject({
    ...checks,
    after: Duration.optional().describe('Ready this long after the spawn.'),
    timeout: Duration.optional().describe('Give up (the instance fails to start) after this long. Default 60s.'),
    interval: Duration.optional().describe('Time between checks. Default 250ms.'),
  })
  .superRefine((value, ctx) => requireOneCheck(value, ctx, true))

const HealthObject = z
  .strictObject({
    ...checks,
    timeout: Duration.optional().describe('Timeout of one check. Default 2s.'),
    interval: Duration.optional().describe('Time between checks. Default 5s.'),
    failures: z.number().int().min(1).max(1_000_000).optional().describe('Consecutive failures before the instance is restarted. Default 3.'),
  })
  .superRefine((value, ctx) => requireOneCheck(value, ctx, false))

const Notify = z.literal('notify')

export const ReadyProbe = z
  .union([Notify, ReadyObject])
  .describe('Readiness probe: {tcp}, {http, status?}, {exec}, {log}, notify, or {after}; plus timeout and interval. Without one, an instance is ready once spawned.')

export const HealthProbe = z
  .union([Notify, HealthObject])
  .describe('Liveness probe: {tcp}, {http, status?}, {exec}, {log} or notify; plus interval, timeout and failures.')

export type ReadyInput = z.output<typeof ReadyProbe>
export type HealthInput = z.output<typeof HealthProbe>
