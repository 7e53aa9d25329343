// The documented `--json` output of status and logs (README, "Commands"):
// a stable contract with exactly these fields, made from the protocol's
// richer facts.
import {describeReason} from './describe.js'
import type {InstanceDescription, InstanceInfo, LogLine, StatusReply} from './protocol.js'

/** One instance in `mar status --json`: the facts of the protocol's InstanceInfo a script needs, `reason` in words. */
export type InstanceJson = Pick<InstanceInfo, 'name' | 'runner' | 'group' | 'host' | 'state' | 'health' | 'pid' | 'startedAt' | 'restarts' | 'lastExit' | 'cpu' | 'memory' | 'reason' | 'reasonCode'>

export interface StackJson {
  name: string
  config: string
  instances: InstanceJson[]
}

export interface StatusJson {
  stacks: StackJson[]
}

/** One line of `mar logs --json`. */
export interface LogLineJson {
  time: string
  stack: string
  instance: string
  host: string
  stream: 'stdout' | 'stderr'
  line: string
}

export function instanceJson(info: InstanceInfo, now = Date.now()): InstanceJson {
  return {
    name: info.name,
    runner: info.runner,
    group: info.group,
    host: info.host,
    state: info.state,
    health: info.health,
    pid: info.pid,
    startedAt: info.startedAt,
    restarts: info.restarts,
    lastExit: info.lastExit,
    cpu: info.cpu,
    memory: info.memory,
    reason: describeReason(info, now),
    reasonCode: info.reasonCode,
  }
}

export function statusJson(status: StatusReply, now = Date.now()): StatusJson {
  return {stacks: status.stacks.map((s) => ({name: s.name, config: s.config, instances: s.instances.map((i) => instanceJson(i, now))}))}
}

export function logLineJson(line: LogLine): LogLineJson {
  return {time: line.time, stack: line.stack, instance: line.instance, host: line.host, stream: line.stream, line: line.line}
}

/** `mar describe --json`: the instance as `status --json` shows it, then what only describe knows. */
export type DescribeJson = {stack: string; config: string} & InstanceJson &
  Pick<InstanceInfo, 'nextRestartAt' | 'oneshot' | 'notifyStatus'> &
  Omit<InstanceDescription, 'stack' | 'config' | 'instance'>

export function describeJson(d: InstanceDescription, now = Date.now()): DescribeJson {
  const {stack, config, instance, ...rest} = d
  return {stack, config, ...instanceJson(instance, now), nextRestartAt: instance.nextRestartAt, oneshot: instance.oneshot, notifyStatus: instance.notifyStatus, ...rest}
}
