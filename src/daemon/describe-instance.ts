// `describe`: everything the daemon knows of one instance, from its plan
// (command, cwd, environment keys — never values —, probes as configured),
// its status (state, probes' last results, its last exits) and where its
// files are. Read-only: it goes through no queue.
import type {InstanceDescription, ProbeDescription, ProbeInfo} from '../api/protocol.js'
import {allInstances, type InstancePlan, type ProbeCheck, type ProbeSpec} from '../config/types.js'
import {ExitCode, MarError} from '../util/errors.js'
import {toInstanceInfo} from './instance-status.js'
import {logPath} from './logs/layout.js'
import {instanceLogDir, type MarPaths} from './paths.js'
import type {StackRuntime} from './stack-runtime.js'

/** What a probe checks, without its kind: `127.0.0.1:3000`, a URL, a command, `/pattern/`, a delay. */
function checkTarget(check: ProbeCheck): string {
  switch (check.kind) {
    case 'tcp':
      return `${check.host}:${check.port}`
    case 'http':
      return check.status ? `${check.url} (status ${check.status})` : check.url
    case 'exec':
      return 'shell' in check.command ? check.command.shell : check.command.argv.join(' ')
    case 'log':
      return `/${check.pattern}/`
    case 'notify':
      return ''
    case 'after':
      return `${check.delayMs}ms`
  }
}

function probe(spec: (ProbeSpec & {failures?: number}) | undefined, last: ProbeInfo | null): ProbeDescription | null {
  if (!spec) return null
  return {
    kind: spec.check.kind,
    target: checkTarget(spec.check),
    intervalMs: spec.intervalMs,
    timeoutMs: spec.timeoutMs,
    failures: spec.failures ?? null,
    passed: last?.passed ?? null,
    at: last?.at ?? null,
    message: last?.message ?? null,
  }
}

/** The one instance `target` names (web.2, or a runner or group with a single instance); a usage error otherwise. */
function oneInstance(runtime: StackRuntime, target: string): InstancePlan {
  const names = runtime.resolve([target])
  if (names.length !== 1) {
    throw new MarError('unknown-target', `"${target}" names ${names.length} instances (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''}), describe shows one`, {
      hint: `name one of them, e.g. \`mar describe ${names[0] ?? target}\``,
      exitCode: ExitCode.usage,
    })
  }
  return allInstances(runtime.plan).find((i) => i.name === names[0])!
}

export function describeInstance(runtime: StackRuntime, target: string, paths: MarPaths, usageOf: (instance: string) => {cpu: number; memory: number} | undefined): InstanceDescription {
  // "web.1" and "shop/web.1" alike: resolve() checks that the stack part names this stack.
  const plan = oneInstance(runtime, target)
  const status = runtime.status(plan.name)!
  const info = toInstanceInfo(status, usageOf(plan.name))
  const stackKeys = plan.envKeys ?? Object.keys(plan.env)
  const dir = instanceLogDir(paths, runtime.name, plan.name)
  return {
    stack: runtime.name,
    config: runtime.plan.configPath,
    instance: info,
    command: plan.command,
    cwd: plan.cwd,
    env: [...stackKeys].sort(),
    inheritedEnv: Math.max(0, Object.keys(plan.env).length - stackKeys.length),
    port: plan.port ?? null,
    cgroup: status.pid === null ? null : (runtime.cgroupOf(plan.name) ?? null),
    probes: {ready: probe(plan.ready, info.ready), liveness: probe(plan.health, info.liveness)},
    exits: status.exits.map((e) => ({...e, at: new Date(e.at).toISOString()})),
    logs: {dir, stdout: logPath(dir, 'stdout', 0), stderr: logPath(dir, 'stderr', 0)},
  }
}
