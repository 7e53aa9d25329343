// A tcp or http probe as both engines need it: a port, a path, and whether
// it checks this instance (127.0.0.1, localhost: the engine's own address
// of the pod or allocation) or another host. Exec probes are commands and
// need no parsing; log, notify and after have no equivalent in either engine.
import type {ProbeCheck} from '../config/types.js'

export type ProbeTarget =
  | {kind: 'http'; https: boolean; host: string | null; port: number; path: string; status?: number}
  | {kind: 'tcp'; host: string | null; port: number}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0', ''])

function remoteHost(host: string): string | null {
  return LOCAL_HOSTS.has(host.toLowerCase()) ? null : host.replace(/^\[|\]$/g, '')
}

/** The target of a tcp or http check; null for other kinds and for a URL that does not parse. */
export function probeTarget(check: ProbeCheck): ProbeTarget | null {
  if (check.kind === 'tcp') return {kind: 'tcp', host: remoteHost(check.host), port: check.port}
  if (check.kind !== 'http') return null
  let url: URL
  try {
    url = new URL(check.url)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  const https = url.protocol === 'https:'
  const port = url.port === '' ? (https ? 443 : 80) : Number(url.port)
  const target: ProbeTarget = {kind: 'http', https, host: remoteHost(url.hostname), port, path: `${url.pathname}${url.search}` || '/'}
  if (check.status !== undefined) target.status = check.status
  return target
}

/** A probe in a few words, for comments and warnings: the words `mar validate` uses. */
export {formatCheck as describeCheck} from '../config/describe-plan.js'
