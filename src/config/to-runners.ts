// The one bridge from configuration to supervision: a StackPlan becomes a
// tree of Runners — instance = exec wrapped in probe/health/memory/watch,
// group = supervise(instances), stack = dependencyGraph(groups). Where output
// goes, containment and adoption are the caller's (foreground or daemon).
import {createHash} from 'node:crypto'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {expandHome, isHomePath} from '../remote/remote-path.js'
import type {GroupPlan, InstancePlan, ProbeCheck, StackPlan} from './types.js'
import {isRemoteHost} from './types.js'
import type {Clock} from '../supervisor/clock.js'
import {realClock} from '../supervisor/clock.js'
import type {CgroupManager} from '../supervisor/cgroup.js'
import type {AdoptRecord} from '../supervisor/child.js'
import type {ExitInfo} from '../supervisor/errors.js'
import {exec} from '../supervisor/exec.js'
import {probe} from '../supervisor/probe.js'
import {health} from '../supervisor/health.js'
import {memoryLimit} from '../supervisor/memory-limit.js'
import {watch} from '../supervisor/watch.js'
import {supervise, type GroupControl} from '../supervisor/supervise.js'
import {dependencyGraph} from '../supervisor/graph.js'
import type {LineBus, OutputTarget} from '../supervisor/output.js'
import type {Runner, SupervisorEvent} from '../supervisor/runner.js'
import type {Check} from '../supervisor/checks/check.js'
import {tcpCheck} from '../supervisor/checks/tcp.js'
import {ownedListener, processTree, urlTarget, type ProbeTarget} from '../supervisor/checks/owned.js'
import {httpCheck} from '../supervisor/checks/http.js'
import {execCheck} from '../supervisor/checks/exec.js'
import {logCheck} from '../supervisor/checks/log.js'
import {afterCheck} from '../supervisor/checks/after.js'
import {notifyCheck} from '../supervisor/checks/notify.js'
import {NotifySocket} from '../supervisor/notify-socket.js'
import {MarError} from '../util/errors.js'
import {because, type Reason} from '../supervisor/reasons.js'

export interface BuildOptions {
  /** Where an instance's stdout/stderr go. */
  output(instance: InstancePlan): OutputTarget
  /** The instance's lines, for `log` probes (fed by exec's pipes or the daemon's tailer). */
  lines(instance: InstancePlan): LineBus
  /** Where notify sockets live; keep it short (unix socket paths ≤ 108 bytes). */
  runtimeDir: string
  /** Events that do not come through a runner context (notify STATUS=, blocked groups). */
  emit(event: SupervisorEvent): void
  cgroups?: CgroupManager
  clock?: Clock
  /** The daemon keeps groups up when all their members ended, so users can start them again. */
  keepAlive?: boolean
  /** Whether an instance starts with its stack (false: it waits, stopped, for a start). Default: all start. */
  autostart?(instance: InstancePlan): boolean
  takeAdoption?(instance: InstancePlan): AdoptRecord | undefined
  /** A process to be taken over had passed its readiness probe already. */
  assumeReady?(instance: InstancePlan): boolean
  onSpawn?(instance: InstancePlan, record: AdoptRecord): void
  onExit?(instance: InstancePlan, record: AdoptRecord, exit: ExitInfo, stopped: boolean): void | Promise<void>
  /**
   * Makes the leaf runner of an instance (default: buildInstanceRunner, a
   * real program with its probes). Tests of the daemon put fake programs here.
   */
  instanceRunner?(plan: StackPlan, instance: InstancePlan, options: BuildOptions): Runner
  /**
   * The runner of an instance placed on another host (the daemon's proxy:
   * src/daemon/remote-instance.ts); its restarts happen there, so its member
   * here never restarts it. Without it such an instance fails with a reason.
   */
  remoteRunner?(plan: StackPlan, instance: InstancePlan): Runner
}

export interface BuiltStack {
  runner: Runner
  groups: Map<string, GroupControl>
}

/** A short, stable socket path per instance, so an adopted program still finds it. */
export function notifySocketPath(runtimeDir: string, stack: string, instance: string): string {
  const id = createHash('sha256').update(`${stack}/${instance}`).digest('base64url').slice(0, 12)
  return join(runtimeDir, 'n', id)
}

export function instanceEnv(plan: StackPlan, instance: InstancePlan, runtimeDir: string): Record<string, string> {
  const usesNotify = instance.ready?.check.kind === 'notify' || instance.health?.check.kind === 'notify'
  // A host's share carries only what the stack declares: the host's own environment goes under it.
  const env = plan.baseEnv === 'daemon' ? {...inheritedEnv(), ...instance.env} : instance.env
  return usesNotify ? {...env, NOTIFY_SOCKET: notifySocketPath(runtimeDir, plan.name, instance.name)} : env
}

/** The agent's environment without what only concerns mar's own daemon. */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'MAR_HOME') env[key] = value
  return env
}

export function buildInstanceRunner(plan: StackPlan, instance: InstancePlan, options: BuildOptions): Runner {
  const clock = options.clock ?? realClock
  // A remote instance's paths may start at `~`: this daemon's home (src/remote/remote-path.ts).
  const {cwd, watch: watchSpec} = withHome(instance, homedir())
  const env = instanceEnv(plan, instance, options.runtimeDir)
  let notify: NotifySocket | null = null
  if (env.NOTIFY_SOCKET) notify = new NotifySocket(env.NOTIFY_SOCKET)

  // The instance's current process tree: a readiness probe counts only when its own processes answer.
  let current: AdoptRecord | undefined
  const processes = () => (current ? processTree(current) : [])
  const createCheck = (check: ProbeCheck, which: 'ready' | 'health'): Check => {
    const own = (inner: Check, target: ProbeTarget | null) => (which === 'ready' ? ownedListener(inner, target, processes) : inner)
    switch (check.kind) {
      case 'tcp':
        return own(tcpCheck(check.host, check.port), check)
      case 'http':
        return own(httpCheck(check.url, check.status), urlTarget(check.url))
      case 'exec':
        return execCheck(check.command, env, cwd)
      case 'log':
        return logCheck(check.pattern, options.lines(instance), () => clock.now())
      case 'after':
        return afterCheck(check.delayMs, clock)
      case 'notify':
        return notifyCheck(notify!, () => clock.now(), (message) => {
          const at = clock.now()
          if (message.status) options.emit({kind: 'instance', name: instance.name, at, status: message.status})
          if (message.stopping) options.emit({kind: 'instance', name: instance.name, at, state: 'stopping', why: because('stopping', 'the program said it is stopping')})
        })
    }
  }

  let runner: Runner = exec({
    instance: instance.name,
    command: instance.command,
    cwd,
    env,
    stop: instance.stop,
    oneshot: instance.oneshot,
    exitZeroExpected: instance.oneshot || instance.restart.policy !== 'always',
    output: options.output(instance),
    cgroups: options.cgroups,
    resources: instance.resources,
    port: instance.port,
    takeAdoption: () => (current = options.takeAdoption?.(instance)),
    onSpawn: (record) => {
      current = record
      options.onSpawn?.(instance, record)
    },
    onExit: options.onExit ? (record, exit, stopped) => options.onExit!(instance, record, exit, stopped) : undefined,
  })
  if (instance.ready) runner = probe(runner, instance.ready, () => createCheck(instance.ready!.check, 'ready'), {assumeReady: () => options.assumeReady?.(instance) ?? false})
  if (instance.health) runner = health(runner, instance.health, () => createCheck(instance.health!.check, 'health'))
  if (instance.memoryLimit) runner = memoryLimit(runner, {limitBytes: instance.memoryLimit})
  if (watchSpec) runner = watch(runner, watchSpec, cwd)
  return runner
}

/** The instance with `~` and `~/…` in its cwd and watched paths resolved under `home`. */
export function withHome(instance: InstancePlan, home: string): InstancePlan {
  if (!isHomePath(instance.cwd) && !instance.watch?.paths.some(isHomePath)) return instance
  const resolved: InstancePlan = {...instance, cwd: expandHome(instance.cwd, home)}
  if (instance.watch) resolved.watch = {...instance.watch, paths: instance.watch.paths.map((p) => expandHome(p, home))}
  return resolved
}

/**
 * Where nothing can reach other hosts (foreground mode): an instance placed
 * on one fails at once with a reason, rather than quietly running here instead.
 */
function unreachableInstanceRunner(instance: InstancePlan, clock: Clock): Runner {
  return async (ctx) => {
    const reason = `placed on host ${instance.host}: remote hosts are run by the daemon (mar up without -f)`
    ctx.emit({kind: 'instance', name: instance.name, at: clock.now(), state: 'failed', pid: null, why: because('remote-unsupported', reason)})
    throw new MarError('remote-unsupported', reason)
  }
}

/** The supervised member for an instance (reload swaps these in and out of a running group). */
export function buildMember(plan: StackPlan, instance: InstancePlan, options: BuildOptions) {
  const remote = isRemoteHost(plan, instance.host)
  return {
    name: instance.name,
    runner: instance.runner,
    run: remote
      ? (options.remoteRunner?.(plan, instance) ?? unreachableInstanceRunner(instance, options.clock ?? realClock))
      : (options.instanceRunner ?? buildInstanceRunner)(plan, instance, options),
    restart: remote ? {...instance.restart, policy: 'never' as const} : instance.restart,
    restartsElsewhere: remote,
    oneshot: instance.oneshot,
    autostart: options.autostart?.(instance) ?? true,
  }
}

function buildGroup(plan: StackPlan, group: GroupPlan, options: BuildOptions): {runner: Runner; control: GroupControl} {
  const members = group.runners.flatMap((runner) => runner.instances.map((instance) => buildMember(plan, instance, options)))
  return supervise(members, {
    name: group.name,
    start: group.strategy,
    strategy: group.restart.strategy,
    limit: group.restart.limit,
    keepAlive: options.keepAlive,
  })
}

export function buildStack(plan: StackPlan, options: BuildOptions): BuiltStack {
  const clock = options.clock ?? realClock
  const groups = new Map<string, GroupControl>()
  const byName = new Map(plan.groups.map((g) => [g.name, g]))
  const nodes = plan.startOrder.map((name) => {
    const group = byName.get(name)!
    const built = buildGroup(plan, group, options)
    groups.set(name, built.control)
    return {
      name,
      runner: built.runner,
      dependsOn: group.dependsOn.map((d) => ({name: d.group, condition: d.condition})),
      onBlocked(why: Reason) {
        for (const instance of group.runners.flatMap((r) => r.instances)) options.emit({kind: 'instance', name: instance.name, at: clock.now(), state: 'stopped', pid: null, why})
      },
      onWaiting(why: Reason) {
        for (const instance of group.runners.flatMap((r) => r.instances)) options.emit({kind: 'instance', name: instance.name, at: clock.now(), why})
      },
    }
  })
  return {
    runner: dependencyGraph(nodes, {keepAlive: options.keepAlive}),
    groups,
  }
}
