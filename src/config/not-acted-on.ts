// Keys mar parses and checks but does not act on yet. `mar validate` lists
// every use of them in a file, so nothing is silently ignored. As features
// land, delete their entry from FEATURES: that is the only change needed.
import type {ConfigModel} from './model.js'

type Feature = 'remoteHosts' | 'remotePlacement' | 'sshConfig' | 'ready' | 'health' | 'watch' | 'memoryLimit' | 'log' | 'stopCmd' | 'ordered' | 'groupRestart' | 'groupLimit' | 'dependsOn'

export const FEATURES: Partial<Record<Feature, string>> = {
  remoteHosts: 'remote hosts: not yet supported',
  remotePlacement: 'remote placement: not yet supported (instances on remote hosts will not start)',
  sshConfig: 'ssh_config: not yet used (remote hosts are not yet supported)',
  ready: 'readiness probes: not yet acted on (an instance is ready once spawned)',
  health: 'health probes: not yet acted on',
  watch: 'watch: not yet acted on (no restart on file changes)',
  memoryLimit: 'memory_limit: not yet acted on',
  log: 'log rotation: not yet acted on',
  stopCmd: 'stop.cmd: not yet acted on (only the stop signal is sent)',
  ordered: 'strategy ordered: not yet acted on (the group starts in parallel)',
  groupRestart: 'group restart strategies other than one-for-one: not yet acted on',
  groupLimit: 'group restart limit: not yet acted on',
  dependsOn: 'depends_on: not yet acted on (groups start together)',
}

export function listNotActedOn(model: ConfigModel, remoteHosts: ReadonlySet<string>): {path: string; reason: string}[] {
  const out: {path: string; reason: string}[] = []
  const add = (feature: Feature, path: readonly (string | number)[]) => {
    const reason = FEATURES[feature]
    if (reason) out.push({path: path.join('.'), reason})
  }
  for (const host of model.hosts) if (host.input?.ssh) add('remoteHosts', host.path)
  if (model.top.ssh_config !== undefined) add('sshConfig', ['ssh_config'])
  for (const group of model.groups) {
    if (group.strategy === 'ordered') add('ordered', [...group.path, 'strategy'])
    const restart = group.restart
    const strategy = typeof restart === 'string' ? restart : restart?.strategy
    if (strategy && strategy !== 'one-for-one') add('groupRestart', [...group.path, 'restart'])
    if (typeof restart === 'object' && restart.limit) add('groupLimit', [...group.path, 'restart', 'limit'])
    if (group.dependsOn && Object.keys(group.dependsOn).length > 0) add('dependsOn', [...group.path, 'depends_on'])
    for (const entry of group.runners) {
      const runner = entry.spec
      if (!runner) continue
      if (runner.hosts?.some((name) => remoteHosts.has(name))) add('remotePlacement', [...entry.path, 'hosts'])
      if (runner.ready !== undefined) add('ready', [...entry.path, 'ready'])
      if (runner.health !== undefined) add('health', [...entry.path, 'health'])
      if (runner.watch !== undefined) add('watch', [...entry.path, 'watch'])
      if (runner.memory_limit !== undefined) add('memoryLimit', [...entry.path, 'memory_limit'])
      if (runner.log !== undefined) add('log', [...entry.path, 'log'])
      if (runner.stop?.cmd !== undefined) add('stopCmd', [...entry.path, 'stop', 'cmd'])
    }
  }
  return out
}
