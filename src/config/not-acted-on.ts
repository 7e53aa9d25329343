// Keys mar parses and checks but does not act on yet. `mar validate` lists
// every use of them in a file, so nothing is silently ignored. When a
// feature lands, delete its entry from FEATURES (and its detection below).
// Acted on since the foreground mode landed: probes, health, watch,
// memory_limit, stop.cmd, ordered start, group restart strategies and
// limits, depends_on; since the daemon landed: log rotation; since remote
// hosts landed: hosts with ssh:, placement on them, ssh_config. Nothing is
// left today; the mechanism stays for the next key that is parsed first.
import type {ConfigModel} from './model.js'

type Feature = 'remoteHosts' | 'remotePlacement' | 'sshConfig'

export const FEATURES: Partial<Record<Feature, string>> = {}

/** `remoteNames`: names and labels of hosts with `ssh:`. */
export function listNotActedOn(model: ConfigModel, remoteNames: ReadonlySet<string>): {path: string; reason: string}[] {
  const out: {path: string; reason: string}[] = []
  const add = (feature: Feature, path: readonly (string | number)[]) => {
    const reason = FEATURES[feature]
    if (reason) out.push({path: path.join('.'), reason})
  }
  for (const host of model.hosts) if (host.input?.ssh) add('remoteHosts', host.path)
  if (model.top.ssh_config !== undefined) add('sshConfig', ['ssh_config'])
  for (const group of model.groups) {
    for (const entry of group.runners) {
      const runner = entry.spec
      if (!runner) continue
      if (runner.hosts?.some((name) => remoteNames.has(name))) add('remotePlacement', [...entry.path, 'hosts'])
    }
  }
  return out
}
